"""Install or upgrade babelshop's index template, versioned index, alias and search pipelines.

Idempotent: run it as often as you like, against the embedded engine or any existing cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError

from common.errors import BabelshopError, InputError
from common.settings import get_settings
from mappings import features
from mappings.analysis import SYNONYM_DIR
from mappings.deadletter import deadletter_body
from mappings.pipelines import hybrid_pipeline, pipeline_name, rrf_pipeline
from mappings.query_log import QUERY_LOG_SUFFIX
from mappings.rebuild import STATE_SUFFIX, Rebuild, copy_server_side
from mappings.template import DEFAULT_SHARDS, index_body, template_body

DEADLETTER_SUFFIX = "-deadletter"
#: Seconds a rebuild waits for writes in flight before and after its alias swap.
DEFAULT_GRACE_S = 5.0


class SetupError(BabelshopError):
    """The cluster refused part of the setup; the message says what to do."""


class VectorWidthError(SetupError, InputError):
    """The index holds vectors of another width than the encoder makes: it needs a reindex."""


@dataclass
class SetupReport:
    index: str
    alias: str
    created: bool = False
    upgraded: list[str] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)


def versioned_name(alias: str, version: int) -> str:
    return f"{alias}_v{version}"


def alias_target(client: OpenSearch, alias: str) -> str | None:
    """The index the alias points at, or None if there is no such alias."""
    try:
        found = client.indices.get_alias(name=alias)
    except NotFoundError:
        return None
    names = sorted(found)
    return names[-1] if names else None


def next_version(client: OpenSearch, alias: str) -> int:
    existing = client.indices.get(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
    versions = [int(m.group(1)) for name in existing if (m := re.fullmatch(rf"{re.escape(alias)}_v(\d+)", name))]
    return max(versions, default=0) + 1


def setup(client: OpenSearch, alias: str, languages: tuple[str, ...], dimension: int,
          weights: tuple[float, float] | None = None, synonym_dir: Path | None = None,
          shards: int = DEFAULT_SHARDS, replace_incompatible: bool = False,
          grace_s: float = DEFAULT_GRACE_S, replicas: int | None = None,
          rrf_weights: tuple[float, float] | None = None) -> SetupReport:
    """Make the cluster ready for ``alias``: template, index behind the alias, pipelines.

    ``shards`` applies to a new index; an existing one keeps its count until ``babelshop reindex``.
    ``replicas`` (copies of each shard on other nodes) is set on the index either way; by default
    it is ``BABELSHOP_INDEX_REPLICAS``, so every caller on a cluster gets the copies its operator chose.
    ``rrf_weights`` (default ``BABELSHOP_RRF_WEIGHTS``) weigh RRF's sub-queries where the cluster
    takes weights (3.1 on); elsewhere RRF is unweighted.
    An index with vectors of another width raises :class:`VectorWidthError`, unless
    ``replace_incompatible``: then its documents are dropped and an empty index replaces it. That
    is for indices their owner rebuilds anyway (the benchmarks', the tests'), never a catalog."""
    if client.indices.exists(index=alias) and alias_target(client, alias) is None:
        msg = (f"'{alias}' is a concrete index, not an alias: babelshop serves a versioned index behind an alias. "
               f"Pass another --index name, or move its documents with 'babelshop reindex'.")
        raise SetupError(msg)
    synonym_dir = synonym_dir or SYNONYM_DIR
    if replicas is None:
        replicas = get_settings().index_replicas
    if rrf_weights is None:
        rrf_weights = get_settings().rrf_weights
    client.indices.put_index_template(name=f"{alias}-template",
                                      body=template_body(alias, languages, dimension, synonym_dir, shards, replicas))
    body = index_body(languages, dimension, synonym_dir=synonym_dir, shards=shards, replicas=replicas)
    target = alias_target(client, alias)
    report = SetupReport(index=target or "", alias=alias)
    if target is None:
        target = versioned_name(alias, next_version(client, alias))
        client.indices.create(index=target, body={**body, "aliases": {alias: {"is_write_index": True}}})
        report.index, report.created = target, True
    else:
        try:
            report.index, report.upgraded = _upgrade(client, alias, target, body, grace_s)
            if _replicas(client, report.index) != replicas:
                client.indices.put_settings(index=report.index, body={"index": {"number_of_replicas": replicas}})
                report.upgraded.append("replicas")
        except VectorWidthError:
            if not replace_incompatible:
                raise
            client.indices.delete(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
            target = versioned_name(alias, next_version(client, alias))
            client.indices.create(index=target, body={**body, "aliases": {alias: {"is_write_index": True}}})
            report.index, report.created = target, True
    client.indices.create(index=alias + DEADLETTER_SUFFIX, body=deadletter_body(), ignore=400)
    kwargs = {"weights": weights} if weights else {}
    rrf = rrf_pipeline(weights=features.rrf_weights(client, rrf_weights))
    for mode, pipeline in (("hybrid", hybrid_pipeline(**kwargs)), ("rrf", rrf)):
        name = pipeline_name(alias, mode)
        client.search_pipeline.put(id=name, body=pipeline)
        report.pipelines.append(name)
    return report


def remove(client: OpenSearch, alias: str) -> None:
    """Delete everything set up for ``alias``: its versioned indices, dead letters, query log and
    rebuild state, its index template and its search pipelines. Missing parts are fine. For
    catalogs that exist only for a while (a benchmark's, a test's), whose leftovers would
    otherwise pile up on the cluster."""
    suffixes = ("_v*", DEADLETTER_SUFFIX, QUERY_LOG_SUFFIX, STATE_SUFFIX)
    client.indices.delete(index=",".join(alias + suffix for suffix in suffixes),
                          ignore_unavailable=True, allow_no_indices=True, ignore=404)
    client.indices.delete_index_template(name=f"{alias}-template", ignore=404)
    for mode in ("hybrid", "rrf"):
        client.transport.perform_request("DELETE", f"/_search/pipeline/{pipeline_name(alias, mode)}",
                                         params={"ignore": 404})


def reload_synonyms(client: OpenSearch, alias: str, languages: tuple[str, ...],
                    synonym_dir: Path | None = None, *, grace_s: float = DEFAULT_GRACE_S) -> str:
    """Apply the synonym files to the search analyzers behind ``alias``; returns the index that
    serves it afterwards.

    OpenSearch changes analyzers only on a closed index, and a closed index fails every search,
    so the index is rebuilt instead: a server-side copy (nothing re-translated or re-embedded)
    into a new versioned index with the new analyzers, writes made meanwhile replayed, and an
    atomic alias swap (``mappings.rebuild``). Unchanged synonyms change nothing.
    """
    index = alias_target(client, alias)
    if index is None:
        msg = f"There is no alias '{alias}': run 'babelshop setup --index {alias}' first."
        raise SetupError(msg)
    meta = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
    shards = int(client.indices.get_settings(index=index)[index]["settings"]["index"]["number_of_shards"])
    replicas = _replicas(client, index)
    dimension = meta.get("dimension")
    if dimension is None:
        msg = f"Index '{index}' was not created by babelshop (no _meta.dimension): run 'babelshop setup --index {alias}'."
        raise SetupError(msg)
    synonym_dir = synonym_dir or SYNONYM_DIR
    body = index_body(languages, int(dimension), synonym_dir=synonym_dir, shards=shards, replicas=replicas)
    client.indices.put_index_template(name=f"{alias}-template",
                                      body=template_body(alias, languages, int(dimension), synonym_dir, shards, replicas))
    if not _analysis_differs(client, index, body):
        return index
    return rebuild_with(client, alias, index, body, grace_s=grace_s)


def rebuild_with(client: OpenSearch, alias: str, old: str, body: dict, *, grace_s: float = DEFAULT_GRACE_S) -> str:
    """Copy ``old`` into a new versioned index created with ``body`` and swap ``alias`` to it,
    losing no concurrent write; returns the new index's name. The old index is deleted once
    searches that resolved the alias before the swap have had the grace period to finish."""
    new = versioned_name(alias, next_version(client, alias))
    client.indices.create(index=new, body=body)
    rebuild = Rebuild(client, alias, old, new, grace_s=grace_s)
    since = rebuild.begin()
    try:
        copy_server_side(rebuild)
        rebuild.finish(rebuild.catch_up(since))
    except BaseException:
        rebuild.abandon()
        client.indices.delete(index=new, ignore=404)
        raise
    client.indices.delete(index=old, ignore=404)
    return new


def _replicas(client: OpenSearch, index: str) -> int:
    return int(client.indices.get_settings(index=index)[index]["settings"]["index"]["number_of_replicas"])


def _analysis_differs(client: OpenSearch, index: str, body: dict) -> bool:
    settings = client.indices.get_settings(index=index)[index]["settings"]["index"]
    return settings.get("analysis") != _stringify(body["settings"]["analysis"])


def _fixed_settings_differ(client: OpenSearch, index: str, body: dict) -> bool:
    """Settings fixed at creation (where the vector is stored) that the index lacks: only a copy
    into a new index brings them."""
    current = client.indices.get_settings(index=index, include_defaults=True, flat_settings=True)[index]
    stored = {**current.get("defaults", {}), **current["settings"]}
    wanted = body["settings"]["index"]["knn.derived_source.enabled"]
    return str(stored.get("index.knn.derived_source.enabled", "false")).lower() != str(wanted).lower()


def _upgrade(client: OpenSearch, alias: str, index: str, body: dict, grace_s: float) -> tuple[str, list[str]]:
    """Bring an existing index to the current schema where that needs no re-embedding; returns
    the index serving ``alias`` afterwards and what changed. New analyzers mean a rebuild (see
    :func:`reload_synonyms`); new fields are added in place."""
    current = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
    wanted = body["mappings"]["_meta"]
    if current.get("fingerprint") == wanted["fingerprint"]:
        return index, []
    if current.get("dimension") not in (None, wanted["dimension"]):
        msg = (f"Index '{index}' holds {current.get('dimension')}-dimensional vectors but the encoder makes "
               f"{wanted['dimension']}: run 'babelshop reindex --re-embed' to build a new index.")
        raise VectorWidthError(msg)
    if _analysis_differs(client, index, body):
        return rebuild_with(client, alias, index, body, grace_s=grace_s), ["analysis (rebuilt)"]
    if _fixed_settings_differ(client, index, body):
        return rebuild_with(client, alias, index, body, grace_s=grace_s), ["vector storage (rebuilt)"]
    try:
        client.indices.put_mapping(index=index, body=body["mappings"])
    except RequestError as exc:
        msg = f"Index '{index}' cannot take the new mapping in place ({exc.info}): run 'babelshop reindex'."
        raise SetupError(msg) from exc
    return index, ["mappings"]


def _stringify(value: object) -> object:
    # Index settings come back from the cluster with every scalar as a string.
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
