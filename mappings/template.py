"""The products index: settings and mappings for the catalog languages and the encoder.

Per catalog language ``<lang>`` the fields ``title_i18n.<lang>`` and ``category_i18n.<lang>``
hold the original text (where the product is written in it) or its translation, analyzed for
that language, so a query in any catalog language is matched with the right stemmer. Only
catalog languages have such fields (the mapping is strict): a product written in any other
language keeps its original text in ``title``, which is analyzed the same for every language.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mappings.analysis import SYNONYM_DIR, analysis_settings, analyzer_for

SCHEMA_VERSION = 1


def _lang_text(lang: str, languages: tuple[str, ...]) -> dict:
    index_analyzer, search_analyzer = analyzer_for(lang, languages)
    return {"type": "text", "analyzer": index_analyzer, "search_analyzer": search_analyzer,
            "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}


DEFAULT_SHARDS = 2  # see Settings.index_shards


def index_body(languages: tuple[str, ...], dimension: int, *, shards: int = DEFAULT_SHARDS, replicas: int = 0,
               synonym_dir: Path = SYNONYM_DIR) -> dict:
    """Settings and mappings of a products index (no aliases)."""
    per_lang = {lang: _lang_text(lang, languages) for lang in languages}
    mappings = {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "lang": {"type": "keyword"},
            "lang_confidence": {"type": "float"},
            "title": {"type": "text", "analyzer": "bs_folded",
                      "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
            "description": {"type": "text", "analyzer": "bs_folded"},
            "brand": {"type": "text", "analyzer": "bs_folded",
                      "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "category": {"type": "text", "analyzer": "bs_folded",
                         "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
            "category_leaf": {"type": "keyword"},
            "category_top": {"type": "keyword"},  # the path's first segment: the category facet
            "title_i18n": {"properties": per_lang},
            "category_i18n": {"properties": per_lang},
            "attributes": {"type": "flat_object"},
            "price": {"type": "scaled_float", "scaling_factor": 100},
            "currency": {"type": "keyword"},
            "version": {"type": "long"},
            "content_hash": {"type": "keyword", "index": False},
            "encoder": {"type": "keyword"},
            "indexed_at": {"type": "date"},
            "title_vector": {
                "type": "knn_vector", "dimension": dimension,
                # Lucene HNSW: pure Java, so the embedded node (no faiss/nmslib natives) runs it.
                "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil",
                           "parameters": {"m": 16, "ef_construction": 128}},
            },
        },
    }
    body = {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas, "knn": True,
                      # The vector lives once, in the k-NN field's own files: stored _source leaves
                      # it out and every read (GET, search, _reindex, a partial update's merge)
                      # puts it back. 3.x turns this on for k-NN indices by itself, 2.19 only when
                      # asked; it is fixed at creation. Never exclude the vector from _source
                      # instead: _reindex and partial updates would silently drop it.
                      "knn.derived_source.enabled": True,
                      "refresh_interval": "1s", "max_result_window": 10000},
            "analysis": analysis_settings(languages, synonym_dir),
        },
        "mappings": mappings,
    }
    mappings["_meta"] = {"babelshop_schema": SCHEMA_VERSION, "languages": list(languages),
                         "dimension": dimension, "fingerprint": fingerprint(body)}
    return body


def fingerprint(body: dict) -> str:
    """A hash of settings and mappings, to tell whether an installed index is current."""
    stripped = json.loads(json.dumps(body))
    stripped["mappings"].pop("_meta", None)
    # The shard count is fixed at creation and the replica count is set in place: neither may
    # look like a pending schema upgrade.
    stripped["settings"]["index"].pop("number_of_shards", None)
    stripped["settings"]["index"].pop("number_of_replicas", None)
    return hashlib.sha256(json.dumps(stripped, sort_keys=True).encode()).hexdigest()[:16]


def template_body(index: str, languages: tuple[str, ...], dimension: int, synonym_dir: Path = SYNONYM_DIR,
                  shards: int = DEFAULT_SHARDS, replicas: int = 0) -> dict:
    """An index template matching ``<index>_v*``, so every versioned index gets the schema."""
    body = index_body(languages, dimension, synonym_dir=synonym_dir, shards=shards, replicas=replicas)
    return {"index_patterns": [f"{index}_v*"], "priority": 100,
            "template": {"settings": body["settings"], "mappings": body["mappings"]},
            "_meta": {"managed_by": "babelshop"}}
