"""The query side's data: what a rewrite produced and what a search returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from common.errors import InputError

Mode = Literal["hybrid", "rrf", "bm25", "vector"]
MODES: tuple[str, ...] = ("hybrid", "rrf", "bm25", "vector")


class QueryError(InputError):
    """The query or its options cannot be searched; the message names the input and the fix.

    An ``InputError`` (exit code 2 in the CLI), and still a ``ValueError`` for older callers."""


class WeightedText(BaseModel):
    text: str
    weight: float
    # Place among the alternatives of its reading (0: the best reading of the detected language,
    # or of a language the query may also be in).
    rank: int = 0


class ExpansionTerm(BaseModel):
    text: str
    weight: float
    source: str


class Filters(BaseModel):
    """Filters applied to both the lexical and the vector sub-query."""

    category: str | None = None  # a taxonomy prefix, e.g. "Apparel & Accessories > Shoes"
    brand: str | None = None
    lang: str | None = None
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _range(self) -> Filters:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            msg = f"price_min {self.price_min} is above price_max {self.price_max}: swap them."
            raise QueryError(msg)
        return self

    def clauses(self) -> list[dict]:
        out: list[dict] = []
        if self.category:
            out.append({"prefix": {"category.keyword": self.category}})
        if self.brand:
            out.append({"term": {"brand.keyword": self.brand}})
        if self.lang:
            out.append({"term": {"lang": self.lang}})
        if self.price_min is not None or self.price_max is not None:
            rng = {k: v for k, v in (("gte", self.price_min), ("lte", self.price_max)) if v is not None}
            out.append({"range": {"price": rng}})
        return out


class LexicalShape(BaseModel):
    """How much of the expansion the lexical sub-query carries. The full shape is the default;
    :mod:`query_rewriter.clause_budget` narrows it, step by step, until the query fits the
    cluster's boolean clause limit. Explanations rebuild the same query from it."""

    synonyms: bool = True  # synonym expansion clauses
    alternatives: int | None = None  # translations per language and reading (None: all the rewriter kept)
    every_word: bool = True  # the every-word (operator "and") half of each per-language clause
    category_fields: bool = True  # category_i18n.<lang> next to title_i18n.<lang>
    max_terms: int | None = None  # words (tokens) kept of each text (None: all)


class RewrittenQuery(BaseModel):
    """Everything the rewriter derived from the shopper's text."""

    text: str
    normalized: str
    lang: str
    lang_confidence: float
    lang_method: str
    # Languages the query may also be in (detection unsure): their translations are searched too.
    lang_hedges: list[str] = Field(default_factory=list)
    # Share of the query's words the translation into English covered (0: none, or no dictionary).
    translation_trust: float = 1.0
    translations: dict[str, list[WeightedText]] = Field(default_factory=dict)
    synonyms: dict[str, list[ExpansionTerm]] = Field(default_factory=dict)
    embedding: list[float] = Field(default_factory=list, repr=False)
    # The English readings pooled into the embedding beside the original text (none: the
    # original's vector alone).
    vector_readings: list[str] = Field(default_factory=list)
    mode: str = "hybrid"
    body: dict = Field(default_factory=dict, repr=False)
    pipeline: str | None = None
    clause_names: dict[str, str] = Field(default_factory=dict, repr=False)  # _name -> "kind lang: text"
    # The clause budget: the cluster's limit, the estimate of the lexical query's leaf clauses,
    # and, when the full query would not fit, what was left out (readable, in the order applied).
    shape: LexicalShape = Field(default_factory=LexicalShape)
    clause_limit: int | None = None
    clause_estimate: int | None = None
    degraded: list[str] = Field(default_factory=list)


class HitExplanation(BaseModel):
    """Why a hit scored what it did: each sub-query's raw and normalized score, and the weights."""

    lexical_raw: float | None
    vector_raw: float | None
    lexical_normalized: float | None
    vector_normalized: float | None
    weights: tuple[float, float]
    technique: str
    combined: float
    lexical_share: float  # how much of the score came from words (0..1)
    matched: list[str] = Field(default_factory=list)  # e.g. "translation de: laufschuhe"


class Hit(BaseModel):
    id: str
    score: float
    title: str
    lang: str | None = None
    category: str | None = None
    title_localized: str | None = None
    category_localized: str | None = None
    brand: str | None = None
    price: float | None = None
    currency: str | None = None
    explanation: HitExplanation | None = None


class FacetValue(BaseModel):
    """One bucket of a terms facet: a brand, or a category's top level."""

    value: str
    count: int


class PriceBucket(BaseModel):
    """One price range: ``min`` included, ``max`` excluded; None is open-ended."""

    value: str  # "25-50", "under 25", "500 and over"
    min: float | None = None
    max: float | None = None
    count: int


class Facets(BaseModel):
    """Counts over every product the search matched (not only the page), filters applied."""

    brand: list[FacetValue] = Field(default_factory=list)
    category: list[FacetValue] = Field(default_factory=list)
    price: list[PriceBucket] = Field(default_factory=list)


class SearchResponse(BaseModel):
    query: RewrittenQuery
    hits: list[Hit]
    total: int
    # "gte": more matched than BABELSHOP_TRACK_TOTAL_HITS, and total is that bound.
    total_relation: Literal["eq", "gte"] = "eq"
    took_ms: float
    mode: str
    facets: Facets | None = None  # asked with facets=True
