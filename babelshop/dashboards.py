"""OpenSearch Dashboards saved objects for operators: the products index and the query log,
with queries per language, zero-result queries and latency.

``babelshop dashboards export`` writes them as ndjson (``dashboards/babelshop.ndjson`` is
that output, committed); ``babelshop dashboards import --url URL`` posts them to a Dashboards
instance through its saved-objects import API.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import click

NDJSON = Path(__file__).resolve().parents[1] / "dashboards" / "babelshop.ndjson"
_NS = uuid.UUID("6f1c1f8e-8a55-4b7e-9d7e-babe15b0b0b0")


def _id(name: str) -> str:
    # Stable ids: re-importing overwrites instead of duplicating.
    return str(uuid.uuid5(_NS, name))


def _pattern(title: str, time_field: str | None) -> dict:
    attrs = {"title": title}
    if time_field:
        attrs["timeFieldName"] = time_field
    return {"type": "index-pattern", "id": _id(f"pattern:{title}"), "attributes": attrs, "references": []}


def _search_source(query: str = "") -> str:
    return json.dumps({"query": {"query": query, "language": "kuery"}, "filter": [],
                       "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})


def _vis(name: str, title: str, pattern_id: str, vis_type: str, aggs: list[dict], params: dict,
         query: str = "") -> dict:
    state = {"title": title, "type": vis_type, "aggs": aggs, "params": params}
    return {"type": "visualization", "id": _id(f"vis:{name}"),
            "attributes": {"title": title, "visState": json.dumps(state), "uiStateJSON": "{}", "description": "",
                           "version": 1, "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)}},
            "references": [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
                            "id": pattern_id}]}


def saved_objects(alias: str = "products") -> list[dict]:
    products = _pattern(alias, "indexed_at")
    log = _pattern(f"{alias}-querylog", "at")
    per_lang = _vis("queries-per-language", "babelshop: queries per language", log["id"], "pie",
                    [{"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
                     {"id": "2", "enabled": True, "type": "terms", "schema": "segment",
                      "params": {"field": "lang", "size": 20, "order": "desc", "orderBy": "1"}}],
                    {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True})
    zero = _vis("zero-result-queries", "babelshop: zero-result queries", log["id"], "table",
                [{"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
                 {"id": "2", "enabled": True, "type": "terms", "schema": "bucket",
                  "params": {"field": "query.keyword", "size": 50, "order": "desc", "orderBy": "1"}},
                 {"id": "3", "enabled": True, "type": "terms", "schema": "bucket",
                  "params": {"field": "lang", "size": 10, "order": "desc", "orderBy": "1"}}],
                {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False},
                query="zero_results:true")
    latency = _vis("search-latency", "babelshop: search latency (ms)", log["id"], "line",
                   [{"id": "1", "enabled": True, "type": "percentiles", "schema": "metric",
                     "params": {"field": "took_ms", "percents": [50, 95, 99]}},
                    {"id": "2", "enabled": True, "type": "date_histogram", "schema": "segment",
                     "params": {"field": "at", "interval": "auto", "min_doc_count": 1}},
                    {"id": "3", "enabled": True, "type": "terms", "schema": "group",
                     "params": {"field": "mode", "size": 4, "order": "desc", "orderBy": "_key"}}],
                   {"type": "line", "addTooltip": True, "addLegend": True, "legendPosition": "right"})
    catalog = _vis("catalog-by-language", "babelshop: catalog by language", products["id"], "pie",
                   [{"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
                    {"id": "2", "enabled": True, "type": "terms", "schema": "segment",
                     "params": {"field": "lang", "size": 20, "order": "desc", "orderBy": "1"}}],
                   {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": False})
    panels, refs = [], []
    for i, vis in enumerate((per_lang, zero, latency, catalog)):
        panels.append({"panelIndex": str(i + 1), "gridData": {"x": (i % 2) * 24, "y": (i // 2) * 15, "w": 24, "h": 15,
                                                               "i": str(i + 1)},
                       "embeddableConfig": {}, "version": "2.19.1", "panelRefName": f"panel_{i}"})
        refs.append({"name": f"panel_{i}", "type": "visualization", "id": vis["id"]})
    dashboard = {"type": "dashboard", "id": _id("dashboard:babelshop"),
                 "attributes": {"title": "babelshop: search operations", "panelsJSON": json.dumps(panels),
                                "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
                                "timeRestore": False, "description": "Queries per language, zero results, latency",
                                "version": 1, "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                                    {"query": {"query": "", "language": "kuery"}, "filter": []})}},
                 "references": refs}
    return [products, log, per_lang, zero, latency, catalog, dashboard]


def to_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)


def import_objects(url: str, ndjson: str, *, user: str | None = None, password: str | None = None,
                   verify: bool = True, timeout: float = 30.0) -> dict:
    """POST the objects to ``<url>/api/saved_objects/_import?overwrite=true``; returns its answer."""
    import requests

    response = requests.post(
        url.rstrip("/") + "/api/saved_objects/_import", params={"overwrite": "true"},
        headers={"osd-xsrf": "true"}, files={"file": ("babelshop.ndjson", ndjson.encode(), "application/ndjson")},
        auth=(user, password or "") if user else None, verify=verify, timeout=timeout,
    )
    if response.status_code >= 400:
        msg = f"Dashboards at {url} refused the import ({response.status_code}): {response.text[:300]}"
        raise click.ClickException(msg)
    return response.json()


@click.group()
def dashboards() -> None:
    """OpenSearch Dashboards saved objects (products, query log, visualizations)."""


@dashboards.command("export")
@click.option("--index", default="products", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default: print to stdout.")
def export_cmd(index: str, out: Path | None) -> None:
    text = to_ndjson(saved_objects(index))
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@dashboards.command("import")
@click.option("--url", required=True, help="Dashboards base URL, e.g. http://localhost:5601")
@click.option("--index", default="products", show_default=True)
@click.option("--user", default=None)
@click.option("--password", default=None, envvar="BABELSHOP_DASHBOARDS_PASSWORD")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
def import_cmd(url: str, index: str, user: str | None, password: str | None, insecure: bool) -> None:
    result = import_objects(url, to_ndjson(saved_objects(index)), user=user, password=password, verify=not insecure)
    click.echo(f"imported {result.get('successCount', 0)} objects into {url}")
