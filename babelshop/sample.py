"""The bundled sample catalog, and larger synthetic catalogs derived from it for benchmarks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from common.jsonl import json_lines

SAMPLE_CATALOG = Path(__file__).with_name("data") / "sample_catalog.jsonl"

# Variants a seller really lists (sizes, colours, model years), so derived titles stay realistic
# and every derived title is distinct text for the encoder.
_VARIANTS = ["S", "M", "L", "XL", "2024", "2025", "Pro", "Lite", "Plus", "Mini", "Max", "V2", "V3"]


def load_sample() -> list[dict]:
    return [row for _, row in json_lines(SAMPLE_CATALOG, ValueError)]


def synthetic_catalog(n: int, *, seed_products: list[dict] | None = None) -> Iterator[dict]:
    """``n`` products: the sample first, then variants of it with new ids and distinct titles."""
    base = seed_products or load_sample()
    for i in range(n):
        product = dict(base[i % len(base)])
        round_ = i // len(base)
        if round_:
            variant = _VARIANTS[(round_ - 1) % len(_VARIANTS)]
            product["id"] = f"{product['id']}-v{round_}"
            product["title"] = f"{product['title']} {variant}{'' if round_ <= len(_VARIANTS) else round_}"
        yield product


def write_jsonl(products: Iterator[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for p in products:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return path
