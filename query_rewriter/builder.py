"""Build the one OpenSearch request a search sends: a lexical sub-query over the per-language
fields (original text, translations, synonyms, each weighted) and a k-NN sub-query, combined
by the neural-search ``hybrid`` query, or alone for the ``bm25`` and ``vector`` modes.

User text only ever appears as the ``query`` of ``match``/``multi_match`` clauses: it is
analyzed as text, never parsed as query syntax or run as a script.
"""

from __future__ import annotations

from query_rewriter.models import Filters, RewrittenQuery

# Relative weight of evidence kinds; a clause's boost is this times the alternative's weight.
ORIGINAL_BOOST = 1.0
TRANSLATION_BOOST = 0.9
SYNONYM_BOOST = 0.5
ANY_LANGUAGE_BOOST = 0.6  # the raw text on the language-neutral fields (brands, model numbers)
MAX_CLAUSES = 48
ALL_WORDS = ":all"  # suffix of the clause name that requires every word

SOURCE_FIELDS = ["id", "title", "lang", "category", "brand", "price", "currency", "title_i18n", "category_i18n"]


def _lang_clause(text: str, lang: str, boost: float, name: str) -> dict:
    """Any word of ``text`` in the language's title or category, plus as much again when every
    word is there: "accessories for musical instruments" should rank "Musical Instrument
    Accessories" above "Musical Instruments". The all-words half lifted BM25 on the taxonomy
    dev split from 0.496 to 0.513 MRR@10 (all 6,576 queries)."""
    fields = [f"title_i18n.{lang}^2", f"category_i18n.{lang}"]
    any_word = {"multi_match": {"query": text, "fields": fields, "type": "best_fields",
                                "boost": round(boost, 4), "_name": name}}
    every_word = {"multi_match": {"query": text, "fields": fields, "type": "best_fields", "operator": "and",
                                  "boost": round(boost, 4), "_name": f"{name}{ALL_WORDS}"}}
    return {"bool": {"should": [any_word, every_word]}}


def lexical_query(q: RewrittenQuery, languages: tuple[str, ...], filters: Filters | None) -> tuple[dict, dict[str, str]]:
    """The lexical sub-query and a map from clause name to a readable description."""
    should: list[dict] = []
    names: dict[str, str] = {}

    def add(clause: dict, name: str, description: str) -> None:
        if len(should) < MAX_CLAUSES:
            should.append(clause)
            names[name] = description
            names[f"{name}{ALL_WORDS}"] = f"{description} (every word)"

    searched_in = [q.lang] if q.lang in languages else []
    if q.lang_method == "default":
        # Unsure of the language: the original text is tried in every catalog language.
        searched_in = list(languages)
    for lang in searched_in:
        add(_lang_clause(q.normalized, lang, ORIGINAL_BOOST, f"original:{lang}"), f"original:{lang}",
            f"original {lang}: {q.normalized}")
    add({"multi_match": {"query": q.normalized, "fields": ["title", "brand^0.5"], "boost": ANY_LANGUAGE_BOOST,
                         "_name": "original:any"}}, "original:any", f"original text: {q.normalized}")
    for lang, alternatives in q.translations.items():
        for i, alt in enumerate(alternatives):
            name = f"translation:{lang}:{i}"
            add(_lang_clause(alt.text, lang, TRANSLATION_BOOST * alt.weight, name), name,
                f"translation {lang}: {alt.text}")
    for lang, terms in q.synonyms.items():
        for i, term in enumerate(terms):
            name = f"synonym:{lang}:{i}"
            add(_lang_clause(term.text, lang, SYNONYM_BOOST * term.weight, name), name,
                f"synonym {lang} ({term.source}): {term.text}")
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
                 languages: tuple[str, ...], filters: Filters | None) -> tuple[dict, dict[str, str]]:
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
    body = {"from": from_, "size": size, "query": query, "_source": SOURCE_FIELDS, "track_total_hits": True}
    return body, names
