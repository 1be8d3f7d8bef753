"""Start, stop and report on the embedded node, the way ``bin/opensearch`` runs it.

``start`` is idempotent: a node of ours already answering on the port is reused.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClientConnectionError
from opensearchpy.exceptions import TransportError

from common.settings import get_settings
from engine.assemble import assemble
from engine.config import CLUSTER_NAME, read_jvm_options, write_config
from engine.errors import EngineError
from engine.java import find_java, fitting_options
from engine.paths import DEFAULT_PORT, ENGINE_USER, EnginePaths, default_root, node_ports, running_as_root
from engine.versions import engine_line

START_TIMEOUT_S = 180.0
#: Statuses a node answers while it is still forming its cluster (health waited in vain, no
#: cluster manager yet): expected while starting, so the client neither raises nor logs them.
NOT_READY = (408, 503)


@dataclass
class EngineStatus:
    running: bool
    url: str | None = None
    pid: int | None = None
    version: str | None = None
    java: str | None = None
    health: str | None = None
    home: str | None = None
    data_dir: str | None = None
    log_file: str | None = None
    rss_mb: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def _http_json(url: str, timeout: float = 2.0) -> dict | None:
    # Plain HTTP, not the OpenSearch client: the port may belong to a stranger that never
    # answers, and the client would log each failed try with its traceback.
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def cluster_health(url: str, request_timeout: float = 2.0, **wait: object) -> dict:
    """The cluster health the node at ``url`` reports (``wait``: opensearch-py's ``wait_for_*``
    and server-side ``timeout`` parameters), or {} when it does not answer."""
    client = OpenSearch(hosts=[url], max_retries=0)
    try:
        # request_timeout given apart, or opensearch-py would take the server-side timeout for it.
        return client.cluster.health(**wait, ignore=NOT_READY, request_timeout=request_timeout)  # type: ignore[arg-type]
    except (ClientConnectionError, TransportError):
        return {}
    finally:
        client.close()


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a process of another user counts: it exists)."""
    try:
        # A zombie (exited, not yet reaped) still has a pid: it is not running.
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # ZombieProcess included
        return False
    except psutil.AccessDenied:
        return True


def memory_mb(pid: int) -> float | None:
    """The resident memory of ``pid`` in MiB, or None once it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss / (1024 * 1024)
    except psutil.Error:
        return None


def _read_state(paths: EnginePaths) -> dict:
    try:
        return json.loads(paths.state_file.read_text())
    except (OSError, ValueError):
        return {}


def _ours(url: str) -> dict | None:
    info = _http_json(url + "/")
    return info if info and info.get("cluster_name") == CLUSTER_NAME else None


def status(paths: EnginePaths | None = None, *, port: int = DEFAULT_PORT) -> EngineStatus:
    """What the node on ``port`` is doing now, from its state file and the node itself."""
    paths = paths or EnginePaths.resolve(port=port)
    state = _read_state(paths)
    pid = state.get("pid")
    url = state.get("url")
    if not pid or not url or not pid_alive(pid):
        return EngineStatus(running=False, home=str(paths.home), log_file=str(paths.log_file),
                            data_dir=state.get("data_dir", str(paths.data_dir)))
    info = _ours(url) or {}
    health = cluster_health(url) if info else {}
    return EngineStatus(
        running=bool(info), url=url, pid=pid, version=info.get("version", {}).get("number"),
        # The node's own home: the default line's is another when it runs the other line.
        java=state.get("java"), health=health.get("status"), home=state.get("home", str(paths.home)),
        data_dir=state.get("data_dir"),
        log_file=str(paths.log_file), rss_mb=memory_mb(pid),
    )


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(ENGINE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    proc = subprocess.run([useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ENGINE_USER],
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 9):  # 9: the user appeared meanwhile
        raise EngineError(f"Could not create the user '{ENGINE_USER}' that runs OpenSearch: {proc.stderr.strip()}")
    return pwd.getpwnam(ENGINE_USER)


def _prepare_dirs(paths: EnginePaths, user: pwd.struct_passwd | None) -> None:
    for folder in (paths.data_dir, paths.logs_dir, paths.tmp_dir):
        folder.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
            for dirpath, dirnames, filenames in os.walk(folder):
                for name in dirnames + filenames:
                    os.lchown(os.path.join(dirpath, name), user.pw_uid, user.pw_gid)


def _command(paths: EnginePaths, conf: Path, java: str) -> list[str]:
    home = paths.home
    return [
        java, *fitting_options(java, read_jvm_options(conf)),
        f"-Dopensearch.path.home={home}", f"-Dopensearch.path.conf={conf}",
        "-Dopensearch.distribution.type=tar", "-Dopensearch.bundled_jdk=false",
        "-cp", f"{home}/lib/*", "org.opensearch.bootstrap.OpenSearch",
    ]


def _log_tail(paths: EnginePaths, lines: int = 25) -> str:
    chunks = []
    for f in (paths.console_file, paths.log_file):
        if f.exists():
            chunks.extend(f.read_text(errors="replace").splitlines()[-lines:])
    return "\n".join(chunks[-lines:]) or "(no log written)"


def start(port: int = DEFAULT_PORT, data_dir: str | Path | None = None, heap: str | None = None,
          timeout_s: float = START_TIMEOUT_S, version: str | None = None, nodes: int = 1) -> EngineStatus:
    """Assemble if needed, start the node (or a cluster of ``nodes`` nodes on the ports from
    ``port`` on), wait until the cluster is yellow with every node joined, return the first
    node's status."""
    if nodes < 1:
        raise EngineError(f"--nodes {nodes}: a cluster needs at least one node.")
    if nodes > 1 and data_dir is not None:
        raise EngineError("--data-dir names one node's data: leave it out with --nodes, each node keeps its own.")
    ports = list(range(port, port + nodes))
    all_paths = [EnginePaths.resolve(data_dir, version=version, port=p) for p in ports]
    paths = all_paths[0]
    engine = engine_line(paths.version)
    url = f"http://127.0.0.1:{port}"
    current = status(paths)
    if current.running and current.version != engine.version:
        raise EngineError(f"OpenSearch {current.version} already runs on port {port}: stop it first "
                          f"(babelshop engine stop --port {port}) or pass another --port.")
    if current.running and current.url == url and _joined(url) >= nodes:
        return current
    java, java_major = find_java(engine)
    assemble(paths)
    heap = heap or get_settings().engine_heap
    procs = []
    for node in all_paths:
        if status(node).running:
            continue
        if _port_open(node.port):
            if _ours(f"http://127.0.0.1:{node.port}"):
                continue  # ours, started by an older babelshop or another root: reuse it
            raise EngineError(f"Port {node.port} is held by something that is not babelshop's engine: stop it or "
                              "pass --port.")
        procs.append((node, _launch(node, heap, java, java_major, engine.version, ports if nodes > 1 else None)))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for node, proc in procs:
            if proc.poll() is not None:
                node.state_file.unlink(missing_ok=True)
                msg = (f"OpenSearch on port {node.port} exited with code {proc.returncode} while starting. "
                       f"Last log lines:\n{_log_tail(node)}")
                raise EngineError(msg)
        # Asked only once the port is open: before, every refused try would be logged.
        health = cluster_health(url, request_timeout=3, wait_for_status="yellow", wait_for_nodes=nodes,
                         timeout="1s") if _port_open(port) else {}
        if (health.get("status") in ("yellow", "green") and not health.get("timed_out")
                and health.get("number_of_nodes", 0) >= nodes):
            found = status(paths)
            if found.running:
                return found
            # Ours but started from another engine root: report what it says about itself.
            return EngineStatus(running=True, url=url, version=(_ours(url) or {}).get("version", {}).get("number"),
                                health=health.get("status"), log_file=str(paths.log_file))
        time.sleep(0.5)
    for node, _proc in procs:
        stop(node)
    raise EngineError(f"OpenSearch did not become ready within {timeout_s:.0f}s. Last log lines:\n{_log_tail(paths)}")


def _joined(url: str) -> int:
    return cluster_health(url).get("number_of_nodes", 0)


def _launch(paths: EnginePaths, heap: str, java: str, java_major: int, version: str,
            cluster: list[int] | None) -> subprocess.Popen:
    """Start one node process (a member of ``cluster``, the HTTP ports of its nodes, if given)."""
    user = _ensure_user() if running_as_root() else None
    _prepare_dirs(paths, user)
    conf = write_config(paths, paths.port, heap, cluster=cluster)
    if user is not None:
        # The node writes its keystore into config/ on first start.
        for f in (conf, *conf.iterdir()):
            os.chown(f, user.pw_uid, user.pw_gid)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENSEARCH_", "ES_", "JAVA_TOOL"))}
    env["OPENSEARCH_PATH_CONF"] = str(conf)
    with open(paths.console_file, "ab") as console:
        if user is not None:
            os.chown(paths.console_file, user.pw_uid, user.pw_gid)
        proc = subprocess.Popen(
            _command(paths, conf, java), cwd=paths.home, env=env, stdin=subprocess.DEVNULL,
            stdout=console, stderr=subprocess.STDOUT, start_new_session=True,
            user=user.pw_uid if user else None, group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    paths.state_file.write_text(json.dumps({
        "pid": proc.pid, "url": f"http://127.0.0.1:{paths.port}", "port": paths.port, "version": version,
        "java": f"{java_major} ({java})", "data_dir": str(paths.data_dir), "home": str(paths.home), "heap": heap,
        "cluster": cluster}))
    return proc


def stop_all(timeout_s: float = 20.0) -> list[int]:
    """Stop every node under the engine root; returns the ports of those that were running.

    All nodes get SIGTERM at once: stopped one by one, the last nodes of a cluster would first
    wait for the cluster manager they lost. Nodes of a cluster still wait for each other's
    cluster state on the way down, so after ``timeout_s`` they are killed: every acknowledged
    write is in the translog already, which the next start replays."""
    running = []
    for port in node_ports(default_root()):
        paths = EnginePaths.resolve(port=port)
        pid = _read_state(paths).get("pid")
        if pid and pid_alive(pid):
            _signal_group(pid, signal.SIGTERM)
            running.append((port, paths))
        else:
            paths.state_file.unlink(missing_ok=True)
    for _port, paths in running:
        stop(paths, timeout_s)
    return [port for port, _ in running]


def stop(paths: EnginePaths | None = None, timeout_s: float = 60.0, *, port: int = DEFAULT_PORT) -> bool:
    """Stop the node cleanly (SIGTERM, then SIGKILL after ``timeout_s``). True if one was running."""
    paths = paths or EnginePaths.resolve(port=port)
    pid = _read_state(paths).get("pid")
    if not pid or not pid_alive(pid):
        paths.state_file.unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGTERM)
    if not wait_gone(pid, timeout_s):
        _signal_group(pid, signal.SIGKILL)
        wait_gone(pid, 0.5)
    paths.state_file.unlink(missing_ok=True)
    return True


def wait_gone(pid: int, timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` for ``pid`` to end, reaping it when it is our child; True if it did."""
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        # Short waits: another parent's zombie never "ends" for psutil, yet it no longer runs.
        with suppress(psutil.TimeoutExpired, psutil.NoSuchProcess):
            psutil.Process(pid).wait(timeout=min(0.2, left))
    return True


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # start_new_session made the node its own group leader
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


__all__ = ["DEFAULT_PORT", "EngineStatus", "cluster_health", "memory_mb", "pid_alive", "start", "status", "stop",
           "stop_all", "wait_gone"]
