"""Products in any language, against the real engine, models and dictionaries (issue 12).

A product written outside the catalog languages (Russian, Polish, Arabic, Swedish, Danish), in a
language without any dictionary (Ukrainian), or under a code nobody knows ("xx") is indexed
through the real pipeline and found from English, Chinese and German queries. And every
analyzer the language registry names is one OpenSearch accepts, on both engine lines.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from indexer.ingest import ingest_inline
from languages.registry import with_analyzer
from mappings.template import index_body
from query_rewriter.search import Searcher
from tests.helpers import count, remove_alias

pytestmark = [pytest.mark.integration, pytest.mark.compat]

#: One kind of goods per product, so that each query has exactly one right answer. ``lang`` is
#: left out where detection must find it (Cyrillic by its script, Polish among every language
#: with a dictionary).
PRODUCTS = [
    {"id": "en-shoes", "title": "Trail running shoes", "lang": "en"},
    {"id": "zh-coffee", "title": "全自动咖啡机", "lang": "zh"},
    {"id": "de-backpack", "title": "Wanderrucksack 30 Liter", "lang": "de"},
    {"id": "es-pan", "title": "Sartén antiadherente", "lang": "es"},
    {"id": "ru-guitar", "title": "Акустическая гитара"},
    {"id": "pl-umbrella", "title": "Parasol automatyczny składany"},
    {"id": "sv-helmet", "title": "Cykelhjälm för vuxna", "lang": "sv"},
    # Danish's own dictionary lacks "telt": it is read through Norwegian, Danish's kin.
    {"id": "da-tent", "title": "Telt til fire personer", "lang": "da"},
    # Norwegian's own dictionary lacks "fiskestang": it is read through Swedish, by Apertium's
    # Norwegian-Swedish dictionary and Swedish's English lexicon.
    {"id": "nb-rod", "title": "Fiskestang i karbon", "lang": "nb"},
    {"id": "ar-watch", "title": "ساعة يد رجالية", "lang": "ar"},
    {"id": "uk-kettle", "title": "Електричний чайник", "lang": "uk"},  # no dictionary at all
    # A code the registry does not know: kept, never translated, found by its vector alone (the
    # text is one the encoder reads; Vietnamese, which it hardly does, would be found by nothing).
    {"id": "xx-vacuum", "title": "Aspirapolvere senza fili", "lang": "xx"},
]
#: Per product: the same goods asked for in English, Chinese and German.
QUERIES = {
    "en-shoes": ("running shoes", "跑鞋", "Laufschuhe"),
    "zh-coffee": ("coffee maker", "咖啡机", "Kaffeemaschine"),
    "de-backpack": ("backpack", "背包", "Rucksack"),
    "es-pan": ("frying pan", "平底锅", "Bratpfanne"),
    "ru-guitar": ("guitar", "吉他", "Gitarre"),
    "pl-umbrella": ("umbrella", "雨伞", "Regenschirm"),
    "sv-helmet": ("bicycle helmet", "自行车头盔", "Fahrradhelm"),
    "da-tent": ("tent", "帐篷", "Zelt"),
    "nb-rod": ("fishing rod", "钓鱼竿", "Angelrute"),
    "ar-watch": ("wrist watch", "手表", "Armbanduhr"),
    "uk-kettle": ("electric kettle", "电水壶", "Wasserkocher"),
    "xx-vacuum": ("vacuum cleaner", "吸尘器", "Staubsauger"),
}
TOP = 3


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, client: OpenSearch,
            settings: Settings) -> Iterator[tuple[str, dict]]:
    """The products, indexed once under a fresh alias; returns the alias and each product's id."""
    from encoders import load_encoder
    from mappings.install import setup

    tag = uuid.uuid4().hex[:8]
    alias = f"test-anylang-{tag}"
    ids = {p["id"]: f"{p['id']}-{tag}" for p in PRODUCTS}
    path = tmp_path_factory.mktemp("anylang") / "products.jsonl"
    path.write_text("".join(json.dumps({**p, "id": ids[p["id"]]}, ensure_ascii=False) + "\n" for p in PRODUCTS),
                    encoding="utf-8")
    setup(client, alias, settings.catalog_languages, load_encoder(settings).dimension,
          weights=settings.hybrid_weights)
    try:
        result = ingest_inline(path, settings, index=alias)
        assert (result.rejected, result.failed) == ([], []), "a product was refused or dead-lettered"
        assert result.indexed == len(PRODUCTS)
        yield alias, ids
    finally:
        remove_alias(client, alias)


def test_every_product_is_indexed_whatever_its_language(client: OpenSearch, settings: Settings, indexed) -> None:
    alias, ids = indexed
    assert count(client, alias) == len(PRODUCTS)
    assert not client.indices.exists(index=f"{alias}-deadletter") or count(client, f"{alias}-deadletter") == 0
    docs = {key: client.get(index=alias, id=ident)["_source"] for key, ident in ids.items()}
    assert {key: doc["lang"] for key, doc in docs.items() if key[:2] in ("ru", "pl", "uk", "xx")} == {
        "ru-guitar": "ru", "pl-umbrella": "pl", "uk-kettle": "uk", "xx-vacuum": "xx"}
    for key, doc in docs.items():
        original = next(p["title"] for p in PRODUCTS if p["id"] == key)
        assert doc["title"] == original  # the language-neutral field keeps the original text
        assert set(doc["title_i18n"]) <= set(settings.catalog_languages), key
    # Outside the catalog, translated through English where a dictionary exists; never otherwise.
    for key in ("ru-guitar", "pl-umbrella", "sv-helmet", "ar-watch"):
        assert {"en", "de", "zh"} <= set(docs[key]["title_i18n"]), key
    assert docs["uk-kettle"]["title_i18n"] == {} and docs["xx-vacuum"]["title_i18n"] == {}
    assert "tent" in docs["da-tent"]["title_i18n"]["en"].lower().split()  # through the kin's lexicon
    assert "rod" in docs["nb-rod"]["title_i18n"]["en"].lower().split()  # through Swedish


@pytest.mark.parametrize("key", list(QUERIES))
def test_every_product_is_found_from_english_chinese_and_german(client: OpenSearch, settings: Settings, indexed,
                                                                key: str) -> None:
    alias, ids = indexed
    searcher = Searcher(settings.model_copy(update={"query_log": False}), client=client)
    missed = {}
    for query, lang in zip(QUERIES[key], ("en", "zh", "de"), strict=True):
        top = [h.id for h in searcher.search(query, lang=lang, mode="hybrid", size=TOP, index=alias).hits]
        if ids[key] not in top:
            missed[query] = top
    assert not missed, f"{key} is not in the top {TOP} for: {missed}"


#: A word in each language the registry gives an analyzer; a language added there needs one here.
WORDS = {
    "en": "shoes", "zh": "跑鞋", "ja": "靴下", "ko": "신발", "de": "Schuhe", "fr": "chaussures", "es": "zapatos",
    "it": "scarpe", "pt": "sapatos", "nl": "schoenen", "tr": "ayakkabılar", "ru": "кроссовки", "ar": "أحذية",
    "th": "รองเท้า", "sv": "skorna", "da": "skoene", "nb": "skoene", "nn": "skorne", "fi": "kengät", "cs": "boty",
    "hu": "cipők", "ro": "pantofi", "el": "παπούτσια", "bg": "обувки", "lt": "batai", "lv": "kurpes",
    "et": "kingad", "ga": "bróga", "ca": "sabates", "eu": "oinetakoak", "id": "sepatu", "hi": "जूते",
    "bn": "জুতা", "hy": "կոշիկներ",
}


def test_opensearch_accepts_every_analyzer_the_registry_names(client: OpenSearch, index_name: str) -> None:
    langs = with_analyzer()
    assert not set(langs) - set(WORDS), f"add a sample word for {sorted(set(langs) - set(WORDS))}"
    catalog = (*langs, "pl", "xx")  # and two folded ones: no stemmer, and a code nobody knows
    index = f"{index_name}_v1"
    client.indices.create(index=index, body=index_body(catalog, 8))  # refused if any filter name is wrong
    samples = {**WORDS, "pl": "Żółć", "xx": "Crème"}
    empty = []
    for lang in catalog:
        for analyzer in (f"bs_{lang}", f"bs_{lang}_search"):
            tokens = client.indices.analyze(index=index, body={"analyzer": analyzer, "text": samples[lang]})["tokens"]
            if not tokens:
                empty.append(analyzer)
    assert not empty, f"these analyzers made nothing of their language's word: {empty}"

    def terms(analyzer: str, text: str) -> list[str]:
        return [t["token"] for t in client.indices.analyze(index=index, body={"analyzer": analyzer,
                                                                               "text": text})["tokens"]]

    assert terms("bs_en", "the shoes") == ["shoe"]  # stop words and the stemmer both run
    assert terms("bs_pl", "Żółć") == ["zolc"] and terms("bs_xx", "Crème") == ["creme"]  # folded
    assert terms("bs_fr", "L'eau") == ["eau"]  # elision before lowercasing, whatever the case
