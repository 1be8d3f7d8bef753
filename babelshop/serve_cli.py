"""``babelshop serve``: the HTTP search service (``service`` package) on uvicorn."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: all).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes, each with its own models (memory grows with each).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.option("--access-log", is_flag=True, help="Log every request (costs throughput under load).")
def serve(host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
    """HTTP search service: /search, /rewrite, /healthz, /metrics, OpenAPI at /openapi.json and /docs."""
    from service.server import bind, serve_forever, url_of

    sock = bind(host, port)  # a port in use is one line and exit 2, before any model loads
    click.echo(f"babelshop search service at {url_of(sock)} (OpenAPI: {url_of(sock)}/docs); loading models...",
               err=True)
    if workers == 1:
        from service.app import create_app

        serve_forever(create_app(), sock, log_level=log_level, access_log=access_log)
        return
    import uvicorn

    # Several processes: uvicorn forks them, each builds its app (and loads its models) itself.
    sock.close()
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=access_log, timeout_keep_alive=30)
