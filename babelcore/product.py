"""The product schema producers send (shared/DESIGN.md), validated with pydantic v2."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Product(BaseModel):
    """One product as a producer sends it. ``id`` and ``title`` are required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=512)
    title: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=20000)
    brand: str | None = None
    category: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    lang: str | None = None
    version: int | None = Field(default=None, ge=0)
    updated_at: datetime | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # Numeric ids from CSV or other producers are fine; they are stored as text.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("lang")
    @classmethod
    def _lang_code(cls, value: str | None) -> str | None:
        # "zh-CN" and "ZH" both mean the catalog language "zh".
        return value.split("-")[0].split("_")[0].lower() if value else None

    @field_validator("currency")
    @classmethod
    def _currency_upper(cls, value: str | None) -> str | None:
        return value.upper() if value else None

    def ordering_version(self) -> int | None:
        """The number that orders updates: ``version``, else ``updated_at`` in milliseconds."""
        if self.version is not None:
            return self.version
        if self.updated_at is not None:
            return int(self.updated_at.timestamp() * 1000)
        return None
