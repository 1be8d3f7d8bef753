"""Turn raw dicts into Products; a bad one is rejected with a reason, the rest go on."""

from __future__ import annotations

from pydantic import ValidationError

from babelcore.product import Product
from indexer.results import Rejection


def describe(error: ValidationError) -> str:
    """One readable sentence per problem, e.g. "title: Field required"."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "product"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def validate_products(raw: list[object], positions: list[int] | None = None) -> tuple[list[Product], list[Rejection]]:
    """Products that validate, and a Rejection for each that does not (by line or batch index)."""
    good: list[Product] = []
    bad: list[Rejection] = []
    for i, item in enumerate(raw):
        position = positions[i] if positions else i
        if not isinstance(item, dict):
            bad.append(Rejection(position, None, f"expected a JSON object, got {type(item).__name__}"))
            continue
        try:
            good.append(Product.model_validate(item))
        except ValidationError as exc:
            ident = item.get("id")
            bad.append(Rejection(position, str(ident) if ident is not None else None, describe(exc)))
    return good, bad
