"""A loopback TCP proxy in front of a real service, for fault injection in tests.

Modes:

* ``forward``: every connection is piped to the upstream (proves the proxy itself works);
* ``stall``: connections are accepted and read, and never answered (a cluster that hangs);
* ``refuse``: the port is bound but not listening, so connecting is refused at once (a cluster
  that is down), and no other process can take the port meanwhile.

``mode`` may be switched between ``forward`` and ``stall`` while running (kept-alive connections
too: what clients send from then on is swallowed). The proxy binds 127.0.0.1 on a free port, is a context manager, and stops by
itself after ``lifetime_s`` so a test that forgets it leaves nothing behind::

    with FaultProxy(mode="stall") as proxy:  # in front of the engine the tests use
        settings = Settings(opensearch_url=proxy.url)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

MODES = ("forward", "stall", "refuse")
_CHUNK = 65536
#: How much of what clients sent is kept in ``received`` (for asserting on headers).
RECORD_BYTES = 1 << 20


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | None = None, *, mode: str = "forward",
                 lifetime_s: float = 120.0, userinfo: str = "") -> None:
        if mode not in MODES:
            msg = f"mode {mode!r}: use one of {', '.join(MODES)}"
            raise ValueError(msg)
        self.upstream = upstream or engine_address()
        self._mode = mode
        self.lifetime_s = lifetime_s
        self.userinfo = userinfo  # "user:password" to put in ``url``
        self.received = bytearray()
        self.connections = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._timer: threading.Timer | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FaultProxy:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        self.port = server.getsockname()[1]
        self._server = server
        if self._mode != "refuse":
            server.listen(64)
            server.settimeout(0.1)
            self._spawn(self._accept_loop)
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            sockets, self._open = self._open, []
        if self._server is not None:
            sockets.append(self._server)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        auth = f"{self.userinfo}@" if self.userinfo else ""
        return f"http://{auth}127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in ("forward", "stall") or self._mode == "refuse":
            msg = "only a listening proxy switches, and only between 'forward' and 'stall'"
            raise ValueError(msg)
        self._mode = mode

    # ------------------------------------------------------------------ internals
    def _spawn(self, target, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="fault-proxy")
        self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.append(sock)

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._track(client)
            if self._mode == "stall":
                self._spawn(self._swallow, client)
            else:
                self._spawn(self._forward, client)

    def _record(self, data: bytes) -> None:
        with self._lock:
            room = RECORD_BYTES - len(self.received)
            if room > 0:
                self.received += data[:room]

    def _swallow(self, client: socket.socket) -> None:
        """Read what the client sends and never answer, until the client or the proxy gives up."""
        with suppress(OSError):
            while not self._stop.is_set():
                data = client.recv(_CHUNK)
                if not data:
                    return
                self._record(data)

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            with suppress(OSError):
                client.close()
            return
        upstream.settimeout(None)
        self._track(upstream)
        self._spawn(self._pipe, upstream, client, False)
        self._pipe(client, upstream, True)

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with suppress(OSError):
            while not self._stop.is_set():
                data = source.recv(_CHUNK)
                if not data:
                    break
                if from_client:
                    self._record(data)
                    if self._mode == "stall":
                        continue  # a kept-alive connection stalls too once the mode switched
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextmanager
def fault_proxy(mode: str, upstream: tuple[str, int] | None = None, **options: object) -> Iterator[FaultProxy]:
    """``with fault_proxy("stall") as proxy: ...``"""
    with FaultProxy(upstream, mode=mode, **options) as proxy:  # type: ignore[arg-type]
        yield proxy


def engine_address() -> tuple[str, int]:
    """Host and port of the engine the tests run against (BABELSHOP_OPENSEARCH_URL's first node)."""
    from urllib.parse import urlsplit

    from common.settings import Settings

    parts = urlsplit(Settings().opensearch_url.split(",")[0])
    return parts.hostname or "127.0.0.1", parts.port or 9200
