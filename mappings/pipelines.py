"""Search pipelines of neural-search: score normalization (hybrid) and rank fusion (rrf)."""

from __future__ import annotations

from common.settings import Settings

HYBRID_PIPELINE = "babelshop-hybrid"
RRF_PIPELINE = "babelshop-rrf"
# (lexical, vector): the settings' default, so a setup call without weights agrees with explain.
DEFAULT_WEIGHTS: tuple[float, float] = Settings.model_fields["hybrid_weights"].default


def hybrid_pipeline(weights: tuple[float, float] = DEFAULT_WEIGHTS, technique: str = "min_max") -> dict:
    return {
        "description": "babelshop: min-max normalized lexical and vector scores, weighted mean",
        "phase_results_processors": [{"normalization-processor": {
            "normalization": {"technique": technique},
            "combination": {"technique": "arithmetic_mean", "parameters": {"weights": list(weights)}},
        }}],
    }


#: RRF's k: a hit ranked r by a sub-query adds 1 / (k + r) to its fused score.
RRF_RANK_CONSTANT = 60


def rrf_pipeline(rank_constant: int = RRF_RANK_CONSTANT, weights: tuple[float, float] | None = None) -> dict:
    """``weights`` (lexical, vector) only where the cluster takes them (``features.rrf_weights``)."""
    combination: dict = {"technique": "rrf", "rank_constant": rank_constant}
    if weights is not None:
        combination["parameters"] = {"weights": list(weights)}
    return {
        "description": "babelshop: reciprocal rank fusion of lexical and vector hits",
        "phase_results_processors": [{"score-ranker-processor": {"combination": combination}}],
    }


def pipeline_name(index: str, mode: str) -> str:
    """Pipelines are per index alias, so two catalogs on one cluster keep their own weights."""
    return f"{index}-{HYBRID_PIPELINE if mode == 'hybrid' else RRF_PIPELINE}"
