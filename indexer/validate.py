"""Turn raw dicts into Products (or partial updates); a bad one is rejected with a reason, the rest go on.

Each valid item keeps the raw dict it came from and its position (line or batch index), so a
product the cluster refuses later is dead-lettered exactly as it was received.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from common.product import PRODUCT_FIELDS, Product
from indexer.results import Rejection

#: Stands in for the title while a partial update's own fields are checked (the stored title is merged later).
_PLACEHOLDER_TITLE = "-"


@dataclass
class Valid:
    """A full product that validated, with the raw dict it came from."""

    product: Product
    raw: dict
    position: int


@dataclass
class Patch:
    """A partial update: the product fields it sets (a null clears one), with the raw dict it came from."""

    id: str
    fields: dict
    raw: dict
    position: int


def describe(error: ValidationError) -> str:
    """One readable sentence per problem, e.g. "title: Field required"."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "product"
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def _objects(raw: list[object], positions: list[int] | None, bad: list[Rejection]) -> Iterator[tuple[int, dict]]:
    """Each item that is a JSON object, with its position; the others become rejections in ``bad``."""
    for i, item in enumerate(raw):
        position = positions[i] if positions else i
        if isinstance(item, dict):
            yield position, item
        else:
            bad.append(Rejection(position, None, f"expected a JSON object, got {type(item).__name__}"))


def validate_items(raw: list[object], positions: list[int] | None = None) -> tuple[list[Valid], list[Rejection]]:
    """Products that validate, with their raw dict and position, and a Rejection for each that does not."""
    good: list[Valid] = []
    bad: list[Rejection] = []
    for position, item in _objects(raw, positions, bad):
        try:
            good.append(Valid(Product.model_validate(item), item, position))
        except ValidationError as exc:
            bad.append(Rejection(position, _ident(item), describe(exc)))
    return good, bad


def validate_products(raw: list[object], positions: list[int] | None = None) -> tuple[list[Product], list[Rejection]]:
    """Products that validate, and a Rejection for each that does not (by line or batch index)."""
    good, bad = validate_items(raw, positions)
    return [v.product for v in good], bad


def validate_patches(raw: list[object], positions: list[int] | None = None) -> tuple[list[Patch], list[Rejection]]:
    """Partial updates whose id and fields are valid on their own; the merged product is checked again."""
    good: list[Patch] = []
    bad: list[Rejection] = []
    for position, item in _objects(raw, positions, bad):
        if item.get("id") is None:
            bad.append(Rejection(position, None, "id: Field required (an update names the product it changes)"))
            continue
        fields = {k: v for k, v in item.items() if k in PRODUCT_FIELDS and k != "id"}
        try:
            checked = Product.model_validate({"title": _PLACEHOLDER_TITLE, **item})
        except ValidationError as exc:
            bad.append(Rejection(position, _ident(item), describe(exc)))
            continue
        good.append(Patch(checked.id, fields, item, position))
    return good, bad


def _ident(item: dict) -> str | None:
    ident = item.get("id")
    return str(ident) if ident is not None else None
