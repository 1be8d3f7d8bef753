"""The enrichment pipeline: detect the language, translate title and category into every
catalog language, embed, and shape the OpenSearch document.

A product may be written in any language, catalog language or not, even one the registry does
not know ("xx"): its original text stays in ``title`` (analyzed the same for every language);
``title_i18n``/``category_i18n`` hold catalog languages only (the original where it is written
in one, else translations where a dictionary route exists); it is embedded from its English
translation when there is one, else from its original text.

Everything slow is batched: one translator call per (source, target) pair and one encoder
call per batch, behind the embedding cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from cachetools import LRUCache

from common.lazy_models import LazyModels
from common.product import Product
from common.settings import PIVOT_LANGUAGE, Settings
from common.text import category_leaf, category_top
from languages.registry import language, query_languages
from translation.base import TranslationError

if TYPE_CHECKING:
    from languages.detect import LanguageGuess

#: Bump when translation or embedding logic changes what a product's document holds, so that
#: re-ingesting re-enriches instead of reporting "unchanged".
ENRICHMENT_VERSION = 6
#: A product detected in a Latin-script language outside the catalog ("Plecak turystyczny" as
#: Polish) needs this lingua confidence among every language with a dictionary; below it the
#: catalog languages are preferred, since a catalog product taken for a neighbour (Spanish for
#: Portuguese) would lose its original text from its own language's field.
OUTSIDE_CATALOG_SURE = 0.75
#: A category leaf's own language guess overrides the product's from this lingua confidence on
#: ("Laufschuhe" 0.998, "Chaussures de course" 0.94; "Hinges" 0.72 as German is wrong).
LEAF_SURE = 0.9
#: Category leaves whose language is remembered.
LEAF_MEMORY = 50_000
#: What :meth:`Enricher.warm_up` enriches: a category whose leaf is detected, and a Latin-script
#: title with no language given, which is detected among every language with a dictionary.
WARM_UP_CATEGORY = "Apparel & Accessories > Shoes > Athletic Shoes"
WARM_UP_TITLE = "Wasserdichte Wanderschuhe für Damen"
# Documents are embedded in the pivot language: multilingual encoders rank same-language text
# far above the rest ("跑鞋" found Chinese lamps before English running shoes).


def embedding_text(title: str, leaf: str | None) -> str:
    """The text embedded into ``title_vector``: the (pivot-language) title, with the category
    leaf for context unless the title already says it."""
    return f"{title} ({leaf})" if leaf and leaf.lower() not in title.lower() else title


def content_hash(product: Product, pipeline_id: str) -> str:
    """Changes whenever the product or the way it is enriched changes."""
    payload = product.model_dump(mode="json", exclude={"version", "updated_at"})
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False) + "\x00" + pipeline_id
    return hashlib.sha256(raw.encode()).hexdigest()


class Prepared(NamedTuple):
    langs: list[tuple[str, float]]
    titles: list[dict[str, str]]
    categories: list[dict[str, str]]
    texts: list[str]


class Enricher(LazyModels):
    """Products in, OpenSearch documents out. Models load on first use."""

    def __init__(self, settings: Settings, *, encoder=None, translator=None, cache=None) -> None:
        super().__init__(settings, encoder=encoder, translator=translator)
        self._cache = cache
        # A catalog names the same categories product after product: each leaf's language is
        # detected once instead of by lingua for every product.
        self._leaf_guesses: LRUCache[str, LanguageGuess] = LRUCache(maxsize=LEAF_MEMORY)
        self._leaf_lock = threading.Lock()

    @property
    def cache(self):
        if self._cache is None:
            from indexer.embedding_cache import EmbeddingCache

            self._cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite", self.encoder.id)
        return self._cache

    @property
    def pipeline_id(self) -> str:
        langs = ",".join(self.settings.catalog_languages)
        return f"v{ENRICHMENT_VERSION}|{self.encoder.id}|{self.translator.id}|{langs}"

    def detect(self, products: list[Product]) -> list[tuple[str, float]]:
        """Each product's language and the confidence in it; a given ``lang`` is kept as given."""
        from languages.detect import detect_language

        out = []
        for p in products:
            text = f"{p.title} {p.description or ''}".strip()
            guess = detect_language(text, self.settings.catalog_languages, given=p.lang)
            if guess.method != "given":
                guess = self._outside_catalog(text, guess)
            out.append((guess.lang, guess.confidence))
        return out

    def _outside_catalog(self, text: str, guess: LanguageGuess) -> LanguageGuess:
        """``guess`` (made among the catalog languages), or a sure guess of a language outside
        the catalog that has a dictionary. A non-Latin script already names its language among
        the catalog's candidates (Cyrillic is Russian), so only Latin-script text is asked again,
        among every language with a dictionary."""
        from languages.detect import detect_language

        entry = language(guess.lang)
        if guess.method == "script" and entry is not None and entry.script != "latin":
            return guess
        wide = detect_language(text, query_languages(self.settings.catalog_languages))
        sure = wide.method == "script" or wide.confidence >= OUTSIDE_CATALOG_SURE
        if wide.lang not in self.settings.catalog_languages and sure:
            return wide
        return guess

    def translate_all(self, texts: list[str], sources: list[str]) -> list[dict[str, str]]:
        """Each text in every catalog language it can be translated into: {lang: best
        translation}, the original under its own language when that is a catalog language.
        Codes the registry does not know are never translated."""
        catalog = self.settings.catalog_languages
        result: list[dict[str, str]] = [{} for _ in texts]
        by_source: dict[str, list[int]] = defaultdict(list)
        for i, (text, src) in enumerate(zip(texts, sources, strict=True)):
            if not text:
                continue
            if src in catalog:
                result[i][src] = text
            if language(src) is not None:
                by_source[src].append(i)
        for src, idxs in by_source.items():
            for target in catalog:
                if target == src:
                    continue
                try:
                    candidates = self.translator.translate_many([texts[i] for i in idxs], src, target)
                except TranslationError:
                    continue  # no resources for this pair: the product is still found by its original text
                for i, cands in zip(idxs, candidates, strict=True):
                    if cands:
                        result[i][target] = cands[0].text
        return result

    def embedding_texts(self, products: list[Product], titles: list[dict[str, str]],
                        categories: list[dict[str, str]]) -> list[str]:
        """Each product's title and category leaf in the pivot language (the original where
        there is no translation)."""
        pivot = PIVOT_LANGUAGE if PIVOT_LANGUAGE in self.settings.catalog_languages else None
        out = []
        for p, t_i18n, c_i18n in zip(products, titles, categories, strict=True):
            title = t_i18n.get(pivot, p.title) if pivot else p.title
            leaf = c_i18n.get(pivot) if pivot else None
            out.append(embedding_text(title, leaf or category_leaf(p.category)))
        return out

    def leaf_language(self, leaf: str, product_lang: str) -> str:
        """The language of a category leaf. Categories often come in the catalog's own language,
        not the seller's, so the leaf is detected apart, but a short leaf is a weak signal:
        lingua reads "Hinges" as German (0.72) and "Pipettes" as French (0.72), and their
        "translations" into English were garbage appended to the embedded text (174 of the
        5,582 taxonomy categories). Only a sure guess, or another script, overrides the
        product's language."""
        from languages.detect import detect_language

        if not leaf:
            return product_lang
        with self._leaf_lock:
            guess = self._leaf_guesses.get(leaf)
        if guess is None:
            guess = detect_language(leaf, self.settings.catalog_languages)
            with self._leaf_lock:
                self._leaf_guesses[leaf] = guess
        return guess.lang if guess.method == "script" or guess.confidence >= LEAF_SURE else product_lang

    def prepare(self, products: list[Product]) -> Prepared:
        """Everything but the vectors: languages, translations, and the texts to embed."""
        langs = self.detect(products)
        sources = [lang for lang, _ in langs]
        titles = self.translate_all([p.title for p in products], sources)
        leaves = [category_leaf(p.category) or "" for p in products]
        leaf_langs = [self.leaf_language(leaf, src) for leaf, src in zip(leaves, sources, strict=True)]
        categories = self.translate_all(leaves, leaf_langs)
        return Prepared(langs, titles, categories, self.embedding_texts(products, titles, categories))

    def warm_up(self) -> None:
        """Load what a first batch would otherwise wait for: the encoder, every translation pair
        between the catalog languages, and lingua's n-gram models (a product of unknown language
        loads those of every language with a dictionary, which takes seconds)."""
        products = [Product(id=f"warm-up-{lang}", title="warm up", lang=lang, category=WARM_UP_CATEGORY)
                    for lang in self.settings.catalog_languages]
        _, embedded = self.enrich([*products, Product(id="warm-up", title=WARM_UP_TITLE, category=WARM_UP_CATEGORY)])
        if not embedded:
            # The embedding cache knew these texts (a worker's cache outlives it), so the model
            # never ran: run it, or the first batch loads it.
            self.encoder.encode_documents([WARM_UP_TITLE])

    def enrich(self, products: list[Product]) -> tuple[list[dict], int]:
        """OpenSearch documents for ``products`` and how many texts were embedded."""
        if not products:
            return [], 0
        langs, titles, categories, texts = self.prepare(products)
        vectors, embedded = self.cache.get_or_embed(texts, self.encoder.encode_documents)
        now = datetime.now(UTC).isoformat()
        pipeline = self.pipeline_id
        docs = []
        for p, (lang, conf), t_i18n, c_i18n, vec in zip(products, langs, titles, categories, vectors, strict=True):
            docs.append({
                "id": p.id, "lang": lang, "lang_confidence": round(conf, 4), "title": p.title,
                "description": p.description, "brand": p.brand, "category": p.category,
                "category_leaf": category_leaf(p.category), "category_top": category_top(p.category),
                "title_i18n": t_i18n, "category_i18n": c_i18n,
                "attributes": {k: str(v) for k, v in p.attributes.items()} or None,
                "price": p.price, "currency": p.currency, "version": p.ordering_version(),
                "content_hash": content_hash(p, pipeline), "encoder": self.encoder.id, "indexed_at": now,
                "title_vector": [float(x) for x in vec],
            })
        return docs, embedded
