"""Ranking metrics as pure functions over one query: a ranked list of ids and its judgments.

    ranked = ["d3", "d1", "d7"]
    qrels = {"d1": 2, "d7": 1}          # id -> graded relevance; 0 or absent = not relevant
    mrr_at_k(ranked, qrels, 10)         # 0.5
    reciprocal_rank(2, 10)              # 0.5: the same from a rank the caller found
    recall_at_k(ranked, qrels, 10)      # 1.0
    ndcg_at_k(ranked, qrels, 10)        # graded: linear gain rel / log2(rank + 1)

nDCG uses trec_eval's convention (gain = rel, discount = log2(rank + 1)); the ideal ranking
sorts every judged-relevant id by grade, so unretrieved relevant ids lower the score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

#: The metric set ``evaluate`` computes, in report order.
METRICS: tuple[str, ...] = ("ndcg@10", "mrr@10", "recall@10", "recall@100")


def _check_k(k: int) -> None:
    if k < 1:
        msg = f"k={k}: a cutoff must be 1 or more."
        raise ValueError(msg)


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k with graded relevance; 0.0 when the query has no relevant id."""
    _check_k(k)
    ideal = dcg(sorted((r for r in qrels.values() if r > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(max(qrels.get(doc, 0), 0) for doc in _dedup(ranked)[:k]) / ideal


def mrr_at_k(ranked: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """Reciprocal rank of the first relevant id within the top k, else 0.0."""
    return reciprocal_rank(first_relevant_rank(ranked, qrels), k)


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    """1/rank for a first relevant hit at 1-based ``rank`` within the top k; 0.0 past k or
    for none. For callers that rank by themselves (training scores vectors, not ids)."""
    _check_k(k)
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def recall_at_k(ranked: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """Share of the relevant ids found in the top k; 0.0 when there is none to find."""
    _check_k(k)
    relevant = {doc for doc, r in qrels.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(_dedup(ranked)[:k])) / len(relevant)


def first_relevant_rank(ranked: Sequence[str], qrels: Mapping[str, float]) -> int | None:
    """1-based rank of the first relevant id anywhere in ``ranked``, or None."""
    for rank, doc in enumerate(_dedup(ranked), 1):
        if qrels.get(doc, 0) > 0:
            return rank
    return None


def evaluate(ranked: Sequence[str], qrels: Mapping[str, float]) -> dict[str, float]:
    """Every metric of ``METRICS`` for one query."""
    return {
        "ndcg@10": ndcg_at_k(ranked, qrels, 10),
        "mrr@10": mrr_at_k(ranked, qrels, 10),
        "recall@10": recall_at_k(ranked, qrels, 10),
        "recall@100": recall_at_k(ranked, qrels, 100),
    }


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values (an empty group reports nothing rather than failing)."""
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def _dedup(ranked: Sequence[str]) -> list[str]:
    # A run that lists an id twice must not earn its gain twice.
    seen: set[str] = set()
    out = []
    for doc in ranked:
        if doc not in seen:
            seen.add(doc)
            out.append(doc)
    return out
