"""``babelshop bench serve``: a closed-loop load generator on loopback against ``babelshop serve``
and, in the same run, the same hybrid request bodies sent straight to OpenSearch, for a repeated
mix (rewrites cached) and a first-sight mix (every query new)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import click
from opensearchpy.exceptions import TransportError

from benchmarks.catalog import bench_queries, ensure_bench_index, first_sight_queries
from benchmarks.figures import percentile, print_figures
from common.settings import get_settings


def closed_loop(clients: int, request, *, items: int | None = None, duration_s: float | None = None) -> dict:
    """``clients`` threads, each sending its next request as soon as the last returned, until
    ``items`` requests were sent in all (``request(http, i)`` sends the i-th) or ``duration_s``
    passed. Returns QPS, p50/p99 and errors."""
    import itertools
    import threading

    import httpx

    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop_at = started + duration_s if duration_s else None

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while True:
                with lock:
                    i = next(counter)
                if (items is not None and i >= items) or (stop_at and time.perf_counter() >= stop_at):
                    return
                t0 = time.perf_counter()
                response = request(http, i)
                took = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(took)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": round(elapsed, 3), "qps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2)}


def start_service(alias: str, port: int) -> tuple:
    """``babelshop serve`` in its own process (as deployed: the load generator's threads do not
    share its interpreter), returning once it reports healthy and has read its dictionaries
    (reading them takes cycles the engine's side of the comparison would otherwise lose)."""
    import os
    import subprocess
    import sys

    import httpx

    env = {**os.environ, "BABELSHOP_INDEX": alias, "BABELSHOP_QUERY_LOG": "false"}
    process = subprocess.Popen([sys.executable, "-m", "babelshop.cli", "serve", "--port", str(port),
                                "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"babelshop serve exited with {process.returncode} before answering on {url}"
            raise click.ClickException(msg)
        try:
            health = httpx.get(url + "/healthz", timeout=5)
            if health.status_code == 200 and health.json().get("dictionaries") == "loaded":
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise click.ClickException(f"babelshop serve did not become healthy on {url} in 300 s")


#: Longer than a node's default refresh of its process stats.
STATS_REFRESH_S = 1.2


class CpuMeter:
    """CPU time per request of one load run, for the service process (from the OS) and the
    cluster (every node's process CPU, from ``_nodes/stats``; None if the cluster hides it)."""

    def __init__(self, client, service_pid: int) -> None:
        import psutil

        self.client = client
        self.service = psutil.Process(service_pid)

    def _service_s(self) -> float:
        times = self.service.cpu_times()
        return times.user + times.system

    def _engine_s(self) -> float | None:
        # Nodes cache their process stats (monitor.process.refresh_interval, a second by
        # default): read once the cache is older than that, with no load running meanwhile.
        time.sleep(STATS_REFRESH_S)
        try:
            nodes = self.client.nodes.stats(metric="process")["nodes"].values()
            return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000
        except (TransportError, KeyError):  # a managed cluster may hide node stats: no figure then
            return None

    def run(self, load: Callable[[], dict]) -> dict:
        service, engine = self._service_s(), self._engine_s()
        figures = load()
        service, engine_after = self._service_s() - service, self._engine_s()
        requests = max(figures["requests"], 1)
        figures["service_cpu_ms"] = round(service * 1000 / requests, 2)
        figures["engine_cpu_ms"] = (round((engine_after - engine) * 1000 / requests, 2)
                                    if engine is not None and engine_after is not None else None)
        return figures


@click.command("serve")
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--products", "n", default=50000, show_default=True)
@click.option("--duration", "duration_s", default=20.0, show_default=True,
              help="Seconds of each repeated-mix run (engine, then service).")
@click.option("--queries", "n_queries", default=100, show_default=True, help="Distinct queries of the repeated mix.")
@click.option("--first-sight", "n_first", default=400, show_default=True,
              help="Queries of the first-sight mix, each sent once.")
@click.option("--port", default=0, show_default=True, help="The service's port (0: a free one).")
@click.option("--json", "as_json", is_flag=True)
def bench_serve(clients: int, n: int, duration_s: float, n_queries: int, n_first: int, port: int,
                as_json: bool) -> None:
    """Closed-loop load on loopback against ``babelshop serve`` and, in the same run, the same
    hybrid request bodies sent straight to OpenSearch (``_search`` with the search pipeline).

    Two query mixes: repeated (the service's rewrites cached, as popular queries are) and
    first sight (every query new: the service detects, translates and embeds each; the engine
    gets the bodies rewritten beforehand, here, untimed)."""
    import httpx

    from babelshop.sample import load_sample
    from mappings.pipelines import pipeline_name
    from query_rewriter.search import Searcher
    from service.server import bind

    settings = get_settings().model_copy(update={"query_log": False})
    alias = ensure_bench_index(settings, n)
    sample = load_sample()
    repeated = bench_queries(sample, n_queries)
    first = first_sight_queries(sample, n_first, exclude=set(repeated) | {"warm up"})
    searcher = Searcher(settings)
    searcher.search("warm up", index=alias)  # reads the clause limit the service will read too

    def body(q: str) -> bytes:
        rewritten = searcher.rewrite(q, mode="hybrid", index=alias)
        return json.dumps(rewritten.body).encode()

    click.echo(f"rewriting {len(repeated) + len(first)} queries for the engine side (untimed)", err=True)
    bodies = {q: body(q) for q in [*repeated, *first]}
    auth = None
    if settings.opensearch_user and settings.opensearch_password:
        auth = (settings.opensearch_user, settings.opensearch_password.get_secret_value())
    engine_url = f"{settings.opensearch_url.rstrip('/')}/{alias}/_search?search_pipeline={pipeline_name(alias, 'hybrid')}"
    headers = {"content-type": "application/json"}

    def engine(queries: list[str]):
        def send(http: httpx.Client, i: int):
            return http.post(engine_url, content=bodies[queries[i % len(queries)]], headers=headers, auth=auth)
        return send

    def service(url: str, queries: list[str]):
        def send(http: httpx.Client, i: int):
            return http.post(url + "/search", json={"query": queries[i % len(queries)], "mode": "hybrid"})
        return send

    if port == 0:
        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        sock.close()
    process, url = start_service(alias, port)
    try:
        click.echo(f"service at {url}; warming its rewrite cache with the repeated mix", err=True)
        closed_loop(clients, service(url, repeated), items=len(repeated))
        closed_loop(clients, engine(repeated), items=len(repeated))
        meter = CpuMeter(searcher.client, process.pid)
        rep_engine = meter.run(lambda: closed_loop(clients, engine(repeated), duration_s=duration_s))
        rep_service = meter.run(lambda: closed_loop(clients, service(url, repeated), duration_s=duration_s))
        first_engine = meter.run(lambda: closed_loop(clients, engine(first), items=len(first)))
        first_service = meter.run(lambda: closed_loop(clients, service(url, first), items=len(first)))
        metrics = httpx.get(url + "/metrics", timeout=30).text
    finally:
        process.terminate()
        process.wait(30)
    hit_ratio = next((float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                      if line.startswith("babelshop_rewrite_cache_hit_ratio ")), None)
    figures = {
        "products": n, "clients": clients, "duration_s": duration_s,
        "qps": rep_service["qps"], "p50_ms": rep_service["p50_ms"], "p99_ms": rep_service["p99_ms"],
        "service_over_engine_qps": round(rep_service["qps"] / max(rep_engine["qps"], 1e-9), 3),
        "service_over_engine_p99": round(rep_service["p99_ms"] / max(rep_engine["p99_ms"], 1e-9), 3),
        "first_sight_over_engine_qps": round(first_service["qps"] / max(first_engine["qps"], 1e-9), 3),
        "rewrite_cache_hit_ratio": hit_ratio,
        # CPU per request does not move with the shared machine's load as QPS does.
        "service_cpu_ms_repeated": rep_service["service_cpu_ms"],
        "service_cpu_ms_first_sight": first_service["service_cpu_ms"],
        "engine_cpu_ms_repeated": rep_engine["engine_cpu_ms"],
        "mixes": {"repeated": {"queries": len(repeated), "service": rep_service, "engine": rep_engine},
                  "first_sight": {"queries": len(first), "service": first_service, "engine": first_engine}},
    }
    print_figures(figures, as_json)
