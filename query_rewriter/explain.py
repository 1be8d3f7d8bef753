"""Per-hit explanations: how much of a hit's score came from words and how much from meaning.

OpenSearch's hybrid query returns only the fused score. We send the lexical and the k-NN
sub-query on their own (same depth, same filters, shard by shard as the hybrid query runs
them), which gives each hit's raw scores, the min and max the normalization-processor saw,
and the named lexical clauses that matched; then we apply the pipeline's formula. The
result is checked against the returned score.

RRF ranks depend on the cluster (``mappings.features``): within each shard's list up to
neural-search 3.4, across all shards from 3.5 on.

The lexical sub-query is rebuilt in the shape the search used (``RewrittenQuery.shape``), and
every request goes through the client the search passes in, bounded by the search's deadline.
"""

from __future__ import annotations

from common.settings import Settings
from mappings.features import rrf_ranks_are_global, rrf_weights
from mappings.pipelines import RRF_RANK_CONSTANT
from query_rewriter.builder import knn_query, lexical_query
from query_rewriter.contracts import Filters, Hit, HitExplanation, RewrittenQuery

MIN_SCORE = 0.001  # neural-search's min_max floor for a hit at the sub-query's minimum


def _shard_count(client, alias: str) -> int:
    found = client.indices.get_settings(index=alias, name="index.number_of_shards")
    return max(int(v["settings"]["index"]["number_of_shards"]) for v in found.values())


def _run(client, alias: str, query: dict, depth: int, shards: int) -> list[tuple[int, dict]]:
    """Each shard's top ``depth`` with its rank in that shard (``shards`` 0: the whole index's
    top ``depth`` with its global rank): the lists the hybrid query hands the pipeline (min-max
    spans all of them; RRF ranks within each shard's list, or globally from 3.5 on)."""
    if shards == 0:
        body = {"size": depth, "query": query, "_source": False}
        return list(enumerate(client.search(index=alias, body=body)["hits"]["hits"], 1))
    out: list[tuple[int, dict]] = []
    for shard in range(shards):
        body = {"size": depth, "query": query, "_source": False}
        hits = client.search(index=alias, body=body, params={"preference": f"_shards:{shard}"})["hits"]["hits"]
        out.extend(enumerate(hits, 1))
    return out


def min_max(score: float | None, low: float, high: float) -> float | None:
    if score is None:
        return None
    if high == low:
        return 1.0
    value = (score - low) / (high - low)
    return value if value > 0 else MIN_SCORE


def explain_hits(client, settings: Settings, alias: str, q: RewrittenQuery, hits: list[Hit],
                 filters: Filters | None) -> None:
    """Fill each hit's ``explanation``; ``client`` is the searcher's, seen through the search's deadline."""
    depth = max(min(settings.knn_candidates, settings.search_max_depth), len(hits))
    lexical, names = lexical_query(q, settings.catalog_languages, filters)
    shards = _shard_count(client, alias)
    if q.mode == "rrf" and rrf_ranks_are_global(client, settings.opensearch_url):
        shards = 0
    lex_hits = _run(client, alias, lexical, depth, shards) if q.mode != "vector" else []
    vec_hits = _run(client, alias, knn_query(q.embedding, depth, filters), depth, shards) if q.mode != "bm25" else []
    lex = {h["_id"]: (rank, float(h["_score"]), h.get("matched_queries", [])) for rank, h in lex_hits}
    vec = {h["_id"]: (rank, float(h["_score"])) for rank, h in vec_hits}
    lex_scores = [s for _, s, _ in lex.values()] or [0.0]
    vec_scores = [s for _, s in vec.values()] or [0.0]
    w_lex, w_vec = settings.hybrid_weights
    rrf_w = (rrf_weights(client, settings.rrf_weights, settings.opensearch_url) or (1.0, 1.0)) if q.mode == "rrf" else None
    for hit in hits:
        l_rank, l_raw, matched = lex.get(hit.id, (None, None, []))
        v_rank, v_raw = vec.get(hit.id, (None, None))
        described = [names.get(n, n) for n in matched]
        if q.mode == "rrf":
            l_n = 1.0 / (RRF_RANK_CONSTANT + l_rank) if l_rank else 0.0
            v_n = 1.0 / (RRF_RANK_CONSTANT + v_rank) if v_rank else 0.0
            weights, technique = rrf_w, "rrf"
            combined = weights[0] * l_n + weights[1] * v_n
        elif q.mode == "hybrid":
            l_n = min_max(l_raw, min(lex_scores), max(lex_scores)) or 0.0
            v_n = min_max(v_raw, min(vec_scores), max(vec_scores)) or 0.0
            combined = (w_lex * l_n + w_vec * v_n) / (w_lex + w_vec)
            weights, technique = (w_lex, w_vec), "min_max + arithmetic_mean"
        else:  # a single sub-query: its raw score is the score
            l_n = l_raw if q.mode == "bm25" else None
            v_n = v_raw if q.mode == "vector" else None
            combined = (l_raw or 0.0) if q.mode == "bm25" else (v_raw or 0.0)
            weights = (1.0, 0.0) if q.mode == "bm25" else (0.0, 1.0)
            technique = "none"
        lex_part = weights[0] * (l_n or 0.0)
        vec_part = weights[1] * (v_n or 0.0)
        share = lex_part / (lex_part + vec_part) if (lex_part + vec_part) > 0 else 0.0
        hit.explanation = HitExplanation(
            lexical_raw=l_raw, vector_raw=v_raw,
            lexical_normalized=None if l_n is None else round(l_n, 6),
            vector_normalized=None if v_n is None else round(v_n, 6),
            weights=weights, technique=technique, combined=round(combined, 6), lexical_share=round(share, 4),
            matched=described,
        )
