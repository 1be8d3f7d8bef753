"""Retrieval evaluation: metrics, query runs over the real search, run diffs, the taxonomy benchmark.

    from evaluation.metrics import ndcg_at_k, mrr_at_k, recall_at_k
    from evaluation.runner import load_queries, load_qrels, run_queries, summarize

The command line is ``babelshop eval run|diff|taxonomy`` (``evaluation.cli``).
"""
