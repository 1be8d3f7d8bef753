"""The product schema producers send (shared/DESIGN.md), validated with pydantic v2.

Besides shape, it checks what OpenSearch would refuse for the whole bulk request rather than for
the one item (an id over 512 bytes, a version outside a signed long), so a bad product is
rejected alone, with a reason, before any model work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from languages.registry import normalize_code

#: OpenSearch refuses a document id longer than this many bytes (UTF-8), not characters.
MAX_ID_BYTES = 512
#: ``version`` is stored in a ``long`` field and compared as one.
MAX_VERSION = 2**63 - 1
#: ``price`` is a ``scaled_float`` (x100 in a long); this bound keeps it far inside that range.
MAX_PRICE = 1e15
#: The fields a producer sends; everything else in an indexed document is derived from them.
PRODUCT_FIELDS = ("id", "title", "description", "brand", "category", "attributes", "price", "currency", "lang",
                  "version", "updated_at")


class Product(BaseModel):
    """One product as a producer sends it. ``id`` and ``title`` are required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=512)
    title: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=20000)
    brand: str | None = None
    category: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    price: float | None = Field(default=None, ge=0, le=MAX_PRICE, allow_inf_nan=False)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    lang: str | None = None
    version: int | None = Field(default=None, ge=0, le=MAX_VERSION)
    updated_at: datetime | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # Numeric ids from CSV or other producers are fine; they are stored as text.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("id")
    @classmethod
    def _id_bytes(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > MAX_ID_BYTES:
            msg = f"id is {size} bytes in UTF-8 and OpenSearch allows at most {MAX_ID_BYTES}: shorten it"
            raise ValueError(msg)
        return value

    @field_validator("updated_at")
    @classmethod
    def _after_epoch(cls, value: datetime | None) -> datetime | None:
        # It becomes the ordering version in milliseconds since 1970, which must not be negative.
        if value is not None and _epoch_ms(value) < 0:
            msg = f"updated_at {value.isoformat()} is before 1970-01-01: give the time of the last change"
            raise ValueError(msg)
        return value

    @field_validator("lang")
    @classmethod
    def _lang_code(cls, value: str | None) -> str | None:
        # "zh-CN" and "ZH" both mean the catalog language "zh" (the registry's one rule).
        return (normalize_code(value) or None) if value else None

    @field_validator("currency")
    @classmethod
    def _currency_upper(cls, value: str | None) -> str | None:
        return value.upper() if value else None

    def ordering_version(self) -> int | None:
        """The number that orders updates: ``version``, else ``updated_at`` in milliseconds."""
        if self.version is not None:
            return self.version
        if self.updated_at is not None:
            return _epoch_ms(self.updated_at)
        return None


def _epoch_ms(value: datetime) -> int:
    # A time without a zone is read as UTC, the same on every worker whatever its local zone.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)
