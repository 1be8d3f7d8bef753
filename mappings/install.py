"""Install or upgrade babelshop's index template, versioned index, alias and search pipelines.

Idempotent: run it as often as you like, against the embedded engine or any existing cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError

from babelcore.errors import BabelshopError, InputError

from mappings.analysis import SYNONYM_DIR, analysis_settings
from mappings.pipelines import hybrid_pipeline, pipeline_name, rrf_pipeline
from mappings.template import DEFAULT_SHARDS, index_body, template_body

DEADLETTER_SUFFIX = "-deadletter"


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
          shards: int = DEFAULT_SHARDS, replace_incompatible: bool = False) -> SetupReport:
    """Make the cluster ready for ``alias``: template, index behind the alias, pipelines.

    ``shards`` applies to a new index; an existing one keeps its count until ``babelshop reindex``.
    An index with vectors of another width raises :class:`VectorWidthError`, unless
    ``replace_incompatible``: then its documents are dropped and an empty index replaces it. That
    is for indices their owner rebuilds anyway (the benchmarks', the tests'), never a catalog."""
    if client.indices.exists(index=alias) and alias_target(client, alias) is None:
        msg = (f"'{alias}' is a concrete index, not an alias: babelshop serves a versioned index behind an alias. "
               f"Pass another --index name, or move its documents with 'babelshop reindex'.")
        raise SetupError(msg)
    synonym_dir = synonym_dir or SYNONYM_DIR
    client.indices.put_index_template(name=f"{alias}-template",
                                      body=template_body(alias, languages, dimension, synonym_dir, shards))
    body = index_body(languages, dimension, synonym_dir=synonym_dir, shards=shards)
    target = alias_target(client, alias)
    report = SetupReport(index=target or "", alias=alias)
    if target is None:
        target = versioned_name(alias, next_version(client, alias))
        client.indices.create(index=target, body={**body, "aliases": {alias: {"is_write_index": True}}})
        report.index, report.created = target, True
    else:
        try:
            report.upgraded = _upgrade(client, target, body)
        except VectorWidthError:
            if not replace_incompatible:
                raise
            client.indices.delete(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
            target = versioned_name(alias, next_version(client, alias))
            client.indices.create(index=target, body={**body, "aliases": {alias: {"is_write_index": True}}})
            report.index, report.created = target, True
    client.indices.create(index=alias + DEADLETTER_SUFFIX, body={"settings": {"number_of_replicas": 0}},
                          ignore=400)
    kwargs = {"weights": weights} if weights else {}
    for mode, pipeline in (("hybrid", hybrid_pipeline(**kwargs)), ("rrf", rrf_pipeline())):
        name = pipeline_name(alias, mode)
        client.transport.perform_request("PUT", f"/_search/pipeline/{name}", body=pipeline)
        report.pipelines.append(name)
    return report


def reload_synonyms(client: OpenSearch, alias: str, languages: tuple[str, ...],
                    synonym_dir: Path | None = None) -> str:
    """Apply the synonym files to the search analyzers of the index behind ``alias``.

    No reindex: synonyms are search-time only. The index is closed for the moment the
    analyzers are swapped (typically well under a second on one node).
    """
    index = alias_target(client, alias)
    if index is None:
        msg = f"There is no alias '{alias}': run 'babelshop setup --index {alias}' first."
        raise SetupError(msg)
    analysis = analysis_settings(languages, synonym_dir or SYNONYM_DIR)
    client.indices.close(index=index)
    try:
        client.indices.put_settings(index=index, body={"analysis": analysis})
    finally:
        client.indices.open(index=index, wait_for_active_shards=1)
        client.cluster.health(index=index, wait_for_status="yellow")
    return index


def _upgrade(client: OpenSearch, index: str, body: dict) -> list[str]:
    """Bring an existing index to the current schema where that needs no reindex."""
    current = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
    wanted = body["mappings"]["_meta"]
    if current.get("fingerprint") == wanted["fingerprint"]:
        return []
    if current.get("dimension") not in (None, wanted["dimension"]):
        msg = (f"Index '{index}' holds {current.get('dimension')}-dimensional vectors but the encoder makes "
               f"{wanted['dimension']}: run 'babelshop reindex --re-embed' to build a new index.")
        raise VectorWidthError(msg)
    changed = []
    settings = client.indices.get_settings(index=index)[index]["settings"]["index"]
    if settings.get("analysis") != _stringify(body["settings"]["analysis"]):
        # Analyzers change only on a closed index; search-time ones (synonyms) need no reindex.
        client.indices.close(index=index)
        try:
            client.indices.put_settings(index=index, body={"analysis": body["settings"]["analysis"]})
        finally:
            client.indices.open(index=index, wait_for_active_shards=1)
            client.cluster.health(index=index, wait_for_status="yellow")
        changed.append("analysis")
    try:
        client.indices.put_mapping(index=index, body=body["mappings"])
    except RequestError as exc:
        msg = f"Index '{index}' cannot take the new mapping in place ({exc.info}): run 'babelshop reindex'."
        raise SetupError(msg) from exc
    changed.append("mappings")
    return changed


def _stringify(value: object) -> object:
    # Index settings come back from the cluster with every scalar as a string.
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
