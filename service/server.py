"""Run the app with uvicorn: in the foreground (``babelshop serve``) or in a thread beside other
work (``babelshop demo``, the tests). The socket is bound before uvicorn starts, so a port in use
is one clear error and port 0 picks a free one."""

from __future__ import annotations

import socket
import threading

from common.errors import InputError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: any free port), or an InputError naming the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        msg = f"Cannot listen on {host}:{port} ({exc.strerror}): pass another --port, or stop what uses it."
        raise InputError(msg) from exc
    sock.listen(2048)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only read, to print a usable URL
    return f"http://{shown}:{port}"


def _config(app, *, log_level: str, access_log: bool):
    import uvicorn

    # One process, one event loop; keep-alive long enough for pooled clients. "auto" picks
    # uvloop and httptools (installed with babelshop): the pure-Python parser and loop took
    # cycles from the engine on the same cores (docs/speed.md).
    return uvicorn.Config(app, log_level=log_level, access_log=access_log, timeout_keep_alive=30,
                          lifespan="on")


def serve_forever(app, sock: socket.socket, *, log_level: str = "info", access_log: bool = False) -> None:
    import uvicorn

    uvicorn.Server(_config(app, log_level=log_level, access_log=access_log)).run(sockets=[sock])


class ServerThread:
    """uvicorn in a daemon thread; ``start`` returns once the app has loaded its models."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> None:
        import uvicorn

        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.server = uvicorn.Server(_config(app, log_level=log_level, access_log=False))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                        name="babelshop-serve", daemon=True)

    def start(self, timeout_s: float = 300.0) -> ServerThread:
        self._thread.start()
        waited = 0.0
        while not self.server.started:
            if not self._thread.is_alive():
                msg = f"The search service at {self.url} stopped while starting: see the log above."
                raise RuntimeError(msg)
            if waited > timeout_s:
                msg = f"The search service at {self.url} did not start in {timeout_s:g} s."
                raise RuntimeError(msg)
            self._thread.join(0.05)
            waited += 0.05
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self.sock.close()
