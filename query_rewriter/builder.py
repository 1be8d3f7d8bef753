"""Build the one OpenSearch request a search sends: a lexical sub-query over the per-language
fields (original text, translations, synonyms, each weighted) and a k-NN sub-query, combined
by the neural-search ``hybrid`` query, or alone for the ``bm25`` and ``vector`` modes.

User text only ever appears as the ``query`` of ``match``/``multi_match`` clauses: it is
analyzed as text, never parsed as query syntax or run as a script.

The lexical sub-query is planned first (:func:`planned_clauses`: which text, in which
language's fields, at which boost) and rendered second, so that the clause budget
(:mod:`query_rewriter.clause_budget`) counts exactly the clauses that will be sent, and the
``RewrittenQuery.shape`` it chose is honoured wherever the query is rebuilt (explanations).
"""

from __future__ import annotations

from dataclasses import dataclass

from query_rewriter.contracts import Filters, LexicalShape, RewrittenQuery
from query_rewriter.terms import truncate_terms

# Relative weight of evidence kinds; a clause's boost is this times the alternative's weight.
ORIGINAL_BOOST = 1.0
TRANSLATION_BOOST = 0.9
SYNONYM_BOOST = 0.5
ANY_LANGUAGE_BOOST = 0.6  # the raw text on the language-neutral fields (brands, model numbers)
MAX_CLAUSES = 48
ALL_WORDS = ":all"  # suffix of the clause name that requires every word
ANY_LANGUAGE_FIELDS = ("title", "brand^0.5")

SOURCE_FIELDS = ["id", "title", "lang", "category", "brand", "price", "currency", "title_i18n", "category_i18n"]


@dataclass(frozen=True)
class PlannedClause:
    """One text searched in one language's fields (``lang`` None: the language-neutral fields)."""

    name: str
    description: str
    text: str
    lang: str | None
    boost: float
    every_word: bool = False  # only documents holding every word match (an untranslated query's text)
    scored_again: bool = False  # an every-word half beside it (the original and each language's best translation)


def lang_fields(lang: str, shape: LexicalShape) -> list[str]:
    fields = [f"title_i18n.{lang}^2"]
    if shape.category_fields:
        fields.append(f"category_i18n.{lang}")
    return fields


def halves(clause: PlannedClause, shape: LexicalShape) -> int:
    """How many multi_match clauses render ``clause``: the any-word one, and the every-word one
    for the original and the best translation of each language, when the shape keeps it."""
    return 2 if clause.lang is not None and clause.scored_again and shape.every_word else 1


def fields_of(clause: PlannedClause, shape: LexicalShape) -> list[str]:
    return list(ANY_LANGUAGE_FIELDS) if clause.lang is None else lang_fields(clause.lang, shape)


def planned_clauses(q: RewrittenQuery, languages: tuple[str, ...], shape: LexicalShape | None = None
                    ) -> list[PlannedClause]:
    """The lexical clauses ``shape`` keeps, best evidence first, at most :data:`MAX_CLAUSES`."""
    shape = shape or q.shape
    planned: list[PlannedClause] = []

    def add(name: str, label: str, text: str, lang: str | None, boost: float, every_word: bool = False,
            scored_again: bool = False) -> None:
        # The description shows the text as searched (cut when the shape cuts texts).
        text = truncate_terms(text, shape.max_terms) if shape.max_terms is not None else text
        if len(planned) < MAX_CLAUSES and text.strip():
            planned.append(PlannedClause(name, f"{label}: {text}", text, lang, boost, every_word, scored_again))

    searched_in = [q.lang] if q.lang in languages else []
    if q.lang_method == "default":
        # Unsure of the language: the original text is tried in every catalog language.
        searched_in = list(languages)
    for lang in searched_in:
        add(f"original:{lang}", f"original {lang}", q.normalized, lang, ORIGINAL_BOOST, scored_again=True)
    # A query in a language outside the catalog that nothing translated matches the catalog's
    # words only by chance ("bụi" in a Vietnamese query is no product word): its text must match
    # whole (a brand, a model number, a loanword), or the vector alone decides.
    untranslated = q.lang not in languages and q.translation_trust == 0.0
    label = "original text (every word)" if untranslated else "original text"
    add("original:any", label, q.normalized, None, ANY_LANGUAGE_BOOST, every_word=untranslated)
    for lang, alternatives in q.translations.items():
        kept = [a for a in alternatives if shape.alternatives is None or a.rank < shape.alternatives]
        for i, alt in enumerate(kept):
            # Only the best reading is scored again for holding every word: the others are
            # weaker evidence, and each pair of halves costs the engine as much as a whole clause.
            add(f"translation:{lang}:{i}", f"translation {lang}", alt.text, lang, TRANSLATION_BOOST * alt.weight,
                scored_again=i == 0)
    if shape.synonyms:
        for lang, terms in q.synonyms.items():
            for i, term in enumerate(terms):
                add(f"synonym:{lang}:{i}", f"synonym {lang} ({term.source})", term.text, lang,
                    SYNONYM_BOOST * term.weight)
    return planned


def _render(clause: PlannedClause, shape: LexicalShape) -> dict:
    """A per-language text matches any word of it in the language's title (and category), plus
    as much again when every word is there: "accessories for musical instruments" should rank
    "Musical Instrument Accessories" above "Musical Instruments". The all-words half lifted BM25
    on the taxonomy dev split (all queries); on the second and third translations and on
    synonyms it changed nothing there, and doubled their cost."""
    if clause.lang is None:
        query = {"query": clause.text, "fields": list(ANY_LANGUAGE_FIELDS), "boost": clause.boost, "_name": clause.name}
        if clause.every_word:
            query["operator"] = "and"
        return {"multi_match": query}
    fields = lang_fields(clause.lang, shape)
    any_word = {"multi_match": {"query": clause.text, "fields": fields, "type": "best_fields",
                                "boost": round(clause.boost, 4), "_name": clause.name}}
    if halves(clause, shape) == 1:
        return any_word
    every_word = {"multi_match": {"query": clause.text, "fields": fields, "type": "best_fields", "operator": "and",
                                  "boost": round(clause.boost, 4), "_name": f"{clause.name}{ALL_WORDS}"}}
    return {"bool": {"should": [any_word, every_word]}}


def lexical_query(q: RewrittenQuery, languages: tuple[str, ...], filters: Filters | None) -> tuple[dict, dict[str, str]]:
    """The lexical sub-query (in ``q.shape``) and a map from clause name to a readable description."""
    should: list[dict] = []
    names: dict[str, str] = {}
    for clause in planned_clauses(q, languages):
        should.append(_render(clause, q.shape))
        names[clause.name] = clause.description
        if halves(clause, q.shape) == 2:
            names[f"{clause.name}{ALL_WORDS}"] = f"{clause.description} (every word)"
    query = {"bool": {"should": should, "minimum_should_match": 1}}
    if filters and filters.clauses():
        query["bool"]["filter"] = filters.clauses()
    return query, names


def knn_query(embedding: list[float], k: int, filters: Filters | None) -> dict:
    inner: dict = {"vector": embedding, "k": k}
    if filters and filters.clauses():
        # Efficient k-NN filtering: the filter is applied during the graph search, not after it.
        inner["filter"] = {"bool": {"filter": filters.clauses()}}
    return {"knn": {"title_vector": inner}}


def request_body(q: RewrittenQuery, *, mode: str, size: int, from_: int, depth: int,
                 languages: tuple[str, ...], filters: Filters | None,
                 track_total_hits: int = 10_000) -> tuple[dict, dict[str, str]]:
    """The search body for ``mode`` and the clause-name map used by explanations."""
    lexical, names = lexical_query(q, languages, filters)
    k = max(depth, from_ + size)
    if mode == "bm25":
        query = lexical
    elif mode == "vector":
        query = knn_query(q.embedding, k, filters)
    else:
        # pagination_depth: each sub-query contributes its top k, so normalization sees the same
        # candidate sets whatever the page size (and explanations can reproduce them).
        query = {"hybrid": {"pagination_depth": k, "queries": [lexical, knn_query(q.embedding, k, filters)]}}
    body = {"from": from_, "size": size, "query": query, "_source": SOURCE_FIELDS, "track_total_hits": track_total_hits}
    return body, names
