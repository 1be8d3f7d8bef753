"""The embedded engine's settings (every BABELSHOP_ENGINE_* variable through Settings) and its
process checks (psutil), on processes the tests start themselves (no cluster needed)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.settings import Settings
from engine.assemble import maven_repo
from engine.java import candidates
from engine.paths import EnginePaths, default_root, default_version
from engine.process import cluster_health, memory_mb, pid_alive, wait_gone
from engine.versions import DEFAULT_VERSION


def test_engine_paths_come_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BABELSHOP_ENGINE_DIR", str(tmp_path / "root"))
    monkeypatch.setenv("BABELSHOP_ENGINE_HOMES", str(tmp_path / "homes"))
    monkeypatch.setenv("BABELSHOP_ENGINE_VERSION", "2.19.1")
    settings = Settings()
    assert default_root(settings) == tmp_path / "root" and default_version(settings) == "2.19.1"
    paths = EnginePaths.resolve(port=9333, settings=settings)
    assert paths.node_dir == tmp_path / "root" / "nodes" / "9333"
    assert paths.data_dir == tmp_path / "root" / "nodes" / "9333" / "data-2.19.1"
    assert paths.home == tmp_path / "homes" / "opensearch-2.19.1"
    monkeypatch.setenv("BABELSHOP_ENGINE_DATA_DIR", str(tmp_path / "data"))
    assert EnginePaths.resolve(settings=Settings()).data_dir == tmp_path / "data"
    assert EnginePaths.resolve(tmp_path / "given", settings=Settings()).data_dir == tmp_path / "given"


def test_empty_engine_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENGINE_DIR", "ENGINE_VERSION", "ENGINE_DATA_DIR", "ENGINE_HOMES", "MAVEN_REPO", "JAVA_HOME"):
        monkeypatch.setenv(f"BABELSHOP_{name}", "")
    settings = Settings()
    assert default_version(settings) == DEFAULT_VERSION
    assert default_root(settings) != Path()
    assert maven_repo(settings) == Path.home() / ".m2" / "repository"
    paths = EnginePaths.resolve(settings=settings)
    assert paths.homes == paths.root


def test_maven_repo_and_java_home_come_from_settings(tmp_path: Path) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    settings = Settings(maven_repo=tmp_path / "m2", java_home=tmp_path / "jdk")
    assert maven_repo(settings) == tmp_path / "m2"
    assert candidates(settings)[0] == java  # tried before JAVA_HOME and the PATH


def test_a_running_process_is_alive_with_its_memory_and_a_stopped_one_is_not() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_alive(proc.pid)
        assert (memory_mb(proc.pid) or 0) > 0
        assert not wait_gone(proc.pid, 0.3)  # still running: the wait gives up
        proc.terminate()
        assert wait_gone(proc.pid, 10)  # ended, and reaped as our child
        assert not pid_alive(proc.pid)
        assert memory_mb(proc.pid) is None
    finally:
        proc.kill()
        proc.wait()


def test_an_unreaped_zombie_is_not_alive() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    # Not waited for: it stays a zombie until reaped, and must not count as a running node.
    for _ in range(100):
        if not pid_alive(proc.pid):
            break
        time.sleep(0.05)
    assert not pid_alive(proc.pid)
    proc.wait()


def test_health_of_a_port_nobody_answers_is_empty() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        assert cluster_health(f"http://127.0.0.1:{port}", request_timeout=1) == {}
