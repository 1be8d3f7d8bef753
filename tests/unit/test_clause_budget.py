"""The lexical query fits the cluster's boolean clause limit (issue 11, defect 1), the package
exports the ``rewrite`` function (defect 15), and URL passwords stay out of reprs (defect 7).

The estimate is checked against the engine in tests/integration/test_search_guarantees.py;
here it is checked against the query actually rendered, for random long queries."""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.settings import Settings
from encoders.base import Encoder
from query_rewriter.builder import lexical_query, request_body
from query_rewriter.clause_budget import STOCK_CLAUSE_LIMIT, budget_for, estimate, fit, read_clause_limit
from query_rewriter.contracts import ExpansionTerm, Filters, LexicalShape, RewrittenQuery, WeightedText
from query_rewriter.terms import TermCounter, tokens, truncate_terms

LANGS = ("en", "zh", "de", "es", "fr", "ja")
COUNTER = TermCounter()
# Words that hit synonym rules (they expand in the search analyzer), plain words, CJK, emoji,
# query syntax and right-to-left text.
VOCABULARY = ["running", "shoes", "sneakers", "laptop", "trainers", "phone", "coffee", "machine", "Laufschuhe",
              "zapatillas", "chaussures", "手机", "笔记本电脑", "跑鞋", "ランニングシューズ", "👟", "حذاء", "נעלי",
              "title:x", "AND", "(", "*:*", "3.5kg", "l'avion", "a"]

words = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=120).map(" ".join)
weighted = st.builds(WeightedText, text=words, weight=st.floats(0.1, 1.0))
expansion = st.builds(ExpansionTerm, text=words, weight=st.floats(0.1, 1.0), source=st.just("rules"))
queries = st.builds(
    RewrittenQuery,
    text=st.just("q"), normalized=words, lang=st.sampled_from(LANGS), lang_confidence=st.just(0.9),
    lang_method=st.sampled_from(["lingua", "default"]),
    translations=st.dictionaries(st.sampled_from(LANGS), st.lists(weighted, min_size=1, max_size=3)),
    synonyms=st.dictionaries(st.sampled_from(LANGS), st.lists(expansion, min_size=1, max_size=8)),
)
filters = st.one_of(st.none(), st.builds(Filters, brand=st.just("Acme"), price_max=st.just(100.0)))


def rendered_leaves(query: dict) -> int:
    """Leaves of a rendered lexical query, counted from the JSON (not from the plan)."""
    total = 0
    for clause in query["bool"]["should"]:
        for match in clause.get("bool", {}).get("should", [clause]):
            mm = match["multi_match"]
            for field in mm["fields"]:
                name = field.split("^")[0]
                lang = name.split(".", 1)[1] if "." in name else None
                total += COUNTER.count(mm["query"], lang)
    return total


@pytest.mark.slow
@settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=queries, limit=st.sampled_from([STOCK_CLAUSE_LIMIT, 512, 4096]), filters=filters)
def test_random_long_queries_never_exceed_the_budget(q: RewrittenQuery, limit: int, filters: Filters | None) -> None:
    shape, cost, dropped = fit(q, LANGS, limit, filters, COUNTER)
    budget = budget_for(limit, filters)
    assert cost <= budget, (cost, budget, dropped)
    fitted = q.model_copy(update={"shape": shape})
    lexical, _ = lexical_query(fitted, LANGS, filters)
    # The estimate is the rendered query's count: the plan and the JSON agree.
    assert rendered_leaves(lexical) == cost == estimate(q, LANGS, shape, COUNTER)
    if dropped:
        assert estimate(q, LANGS, LexicalShape(), COUNTER) > budget  # nothing is dropped without need


def test_a_short_query_keeps_everything() -> None:
    q = RewrittenQuery(text="running shoes", normalized="running shoes", lang="en", lang_confidence=0.9,
                       lang_method="lingua",
                       translations={"de": [WeightedText(text="Laufschuhe", weight=1.0)]},
                       synonyms={"en": [ExpansionTerm(text="sneakers", weight=0.5, source="rules")]})
    shape, _, dropped = fit(q, LANGS, STOCK_CLAUSE_LIMIT, None, COUNTER)
    assert shape == LexicalShape() and dropped == []


def _long_query(n_words: int, alternatives: int = 3) -> RewrittenQuery:
    text = " ".join((["waterproof", "running", "shoes", "sneakers", "laptop"] * n_words)[:n_words])
    return RewrittenQuery(
        text=text, normalized=text, lang="en", lang_confidence=0.9, lang_method="lingua",
        translations={lang: [WeightedText(text=text, weight=1.0 - i / 10, rank=i) for i in range(alternatives)]
                      for lang in LANGS if lang != "en"},
        synonyms={"en": [ExpansionTerm(text="trainers", weight=0.5, source="rules")]})


def test_narrowing_follows_the_documented_order_and_says_so() -> None:
    order = ["synonym expansions dropped", "only the best translation per language", "every-word clauses dropped",
             "category fields dropped (titles only)"]
    _, _, dropped = fit(_long_query(80), LANGS, STOCK_CLAUSE_LIMIT, None, COUNTER)
    assert dropped[:4] == order and dropped[4].startswith("each text cut to its first")
    _, _, fewer = fit(_long_query(16), LANGS, STOCK_CLAUSE_LIMIT, None, COUNTER)
    assert fewer and fewer == order[:len(fewer)]  # a shorter query stops earlier, same order
    assert len(fewer) < len(order)


def test_the_narrowed_shape_reaches_the_request_and_its_clause_names() -> None:
    q = _long_query(40)
    shape, _, dropped = fit(q, LANGS, STOCK_CLAUSE_LIMIT, None, COUNTER)
    q = q.model_copy(update={"shape": shape, "degraded": dropped})
    body, names = request_body(q, mode="bm25", size=10, from_=0, depth=10, languages=LANGS, filters=None)
    assert not any(n.startswith("synonym") or n.endswith(":all") for n in names)
    assert all(not n.startswith("translation") or n.endswith(":0") for n in names)
    fields = {f for c in body["query"]["bool"]["should"] for f in c["multi_match"]["fields"]}
    assert not any(f.startswith("category_i18n") for f in fields)
    assert rendered_leaves(body["query"]) <= budget_for(STOCK_CLAUSE_LIMIT)


def test_terms_count_words_cjk_emoji_and_synonyms() -> None:
    assert tokens("👟 Running-shoes, 跑鞋!") == ["👟", "running", "shoes", "跑", "鞋"]
    assert COUNTER.count("coffee mug", None) == 2
    # "sneakers" expands through the English search analyzer's synonym rule into every alternative.
    assert COUNTER.count("sneakers", "en") > COUNTER.count("sneakers", None) == 1
    assert truncate_terms("one, two three", 2) == "one, two"
    assert truncate_terms("跑鞋子", 2) == "跑鞋"
    assert truncate_terms("short", 5) == "short"


class _Cluster:
    def __init__(self, answer: dict | Exception) -> None:
        self.answer = answer

    def get_settings(self, **_: object) -> dict:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _client(answer: dict | Exception) -> object:
    return types.SimpleNamespace(cluster=_Cluster(answer))


def _limit(value: str) -> dict:
    return {"indices": {"query": {"bool": {"max_clause_count": value}}}}


def test_the_clause_limit_is_read_in_the_settings_precedence_and_defaults_to_stock() -> None:
    from opensearchpy.exceptions import AuthorizationException

    assert read_clause_limit(_client({"defaults": _limit("1024")})) == 1024
    assert read_clause_limit(_client({"defaults": _limit("1024"), "persistent": _limit("2048")})) == 2048
    assert read_clause_limit(_client({"persistent": _limit("2048"), "transient": _limit("300")})) == 300
    assert read_clause_limit(_client({})) == STOCK_CLAUSE_LIMIT
    forbidden = AuthorizationException(403, "security_exception", {})
    assert read_clause_limit(_client(forbidden)) == STOCK_CLAUSE_LIMIT


class _Encoder(Encoder):
    """The same unit vector for every text: the clause budget never reads it."""

    dimension = 4
    id = "fixed"

    def _encode_batch(self, texts, kind):
        return np.ones((len(texts), 4), dtype="float32") / 2


@pytest.fixture(scope="module")
def rewriter():
    from query_rewriter.rewriter import Rewriter
    from translation import load_translator

    s = Settings(query_log=False)
    return Rewriter(s, encoder=_Encoder(), translator=load_translator(s))


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    " ".join(["waterproof running shoes for men with a cushioned midsole and grippy outsole"] * 4),  # 44 words
    " ".join(f"word{i} sneakers laptop" for i in range(34)),  # over 100 words
    "running shoes " * 80_000,  # over 1 MB
    "跑鞋" * 600_000,
])
def test_the_rewriter_fits_real_translations_and_synonyms(rewriter, text: str) -> None:
    q = rewriter.rewrite(text, mode="bm25")
    assert q.clause_limit == STOCK_CLAUSE_LIMIT and q.clause_estimate <= budget_for(STOCK_CLAUSE_LIMIT)
    assert rendered_leaves(q.body["query"]) == q.clause_estimate
    hybrid = rewriter.rewrite(text, mode="hybrid", clause_limit=512)
    assert hybrid.clause_estimate <= budget_for(512) and hybrid.degraded


def test_the_package_exports_the_rewrite_function() -> None:
    import query_rewriter
    import query_rewriter.rewriter
    import query_rewriter.search  # importing the submodules must not shadow the function
    from query_rewriter import rewrite

    assert isinstance(rewrite, types.FunctionType), type(rewrite)
    assert rewrite is query_rewriter.rewriter.rewrite
    assert query_rewriter.rewrite is rewrite


def test_url_passwords_stay_out_of_settings_and_client_reprs() -> None:
    from common.opensearch_client import make_client, split_credentials

    url = "http://user:secret@127.0.0.1:9"
    s = Settings(opensearch_url=url)
    for text in (repr(s), str(s)):
        assert "secret" not in text and "user:***@127.0.0.1:9" in text
    client = make_client(s)
    assert "secret" not in repr(client)
    # The client still authenticates with them (checked on the wire in the integration test).
    assert client.transport.kwargs["http_auth"] == ("user", "secret")
    assert split_credentials("https://a%40b:p%2Fw@[::1]:9200/x") == ("https://[::1]:9200/x", ("a@b", "p/w"))
    assert split_credentials("http://127.0.0.1:9200") == ("http://127.0.0.1:9200", None)
