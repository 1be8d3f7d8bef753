"""The embedded OpenSearch lines: one recipe, every difference in engine/versions.py (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import TRANSPORT_OFFSET, jvm_options, opensearch_yml
from engine.errors import EngineError
from engine.java import fitting_options
from engine.paths import EnginePaths
from engine.versions import DEFAULT_VERSION, LINES, engine_line, other_version, pom


def _paths(version: str, port: int = 9200) -> EnginePaths:
    return EnginePaths(root=Path("/e"), data_dir=Path(f"/e/nodes/{port}/data-{version}"), version=version, port=port)


def test_the_default_is_the_newer_line_and_the_other_is_the_older() -> None:
    assert max(LINES, key=lambda v: tuple(map(int, v.split(".")))) == DEFAULT_VERSION
    assert other_version("3.6.0") == "2.19.1" and other_version("2.19.1") == "3.6.0"


def test_an_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match=r"2\.19\.1, 3\.6\.0"):
        engine_line("2.11.0")


@pytest.mark.parametrize("version", list(LINES))
def test_the_pom_puts_the_server_first_and_names_each_lines_artifacts(version: str) -> None:
    line = LINES[version]
    text = pom(line)
    first = text.index("<artifactId>", text.index("<dependencies>"))
    assert text[first:].startswith("<artifactId>opensearch</artifactId>")
    for module in line.modules:
        assert f"<artifactId>{module}</artifactId><version>{version}</version>" in text
    assert f"<version>{line.plugin_version}</version><type>zip</type>" in text
    assert f"<artifactId>log4j-core</artifactId><version>{line.log4j_core}</version>" in text
    assert ("opensearch-agent" in text) == bool(line.agent)


def test_the_3x_line_runs_the_agent_and_cldr_the_2x_line_compat() -> None:
    new = jvm_options(_paths("3.6.0"), "1g", LINES["3.6.0"])
    old = jvm_options(_paths("2.19.1"), "1g", LINES["2.19.1"])
    assert "-javaagent:/e/opensearch-3.6.0/lib/agent/opensearch-agent-3.6.0.jar" in new
    assert "-Djava.locale.providers=SPI,CLDR" in new and "COMPAT" not in new
    assert "-javaagent" not in old and "-Djava.locale.providers=SPI,COMPAT" in old


@pytest.mark.parametrize(("version", "java", "fits"), [("2.19.1", 17, True), ("2.19.1", 21, True), ("2.19.1", 25, False),
                                                      ("3.6.0", 17, False), ("3.6.0", 21, True), ("3.6.0", 25, True)])
def test_java_ranges(version: str, java: int, fits: bool) -> None:
    assert LINES[version].java_fits(java) is fits


def test_a_single_node_discovers_nobody_and_cluster_nodes_seed_each_other() -> None:
    single = opensearch_yml(_paths("3.6.0"), 9200)
    assert "discovery.type: single-node" in single and "seed_hosts" not in single
    member = opensearch_yml(_paths("3.6.0", 9241), 9241, cluster=[9240, 9241])
    assert "discovery.type" not in member
    assert f"transport.port: {9241 + TRANSPORT_OFFSET}" in member
    assert f'discovery.seed_hosts: ["127.0.0.1:{9240 + TRANSPORT_OFFSET}", "127.0.0.1:{9241 + TRANSPORT_OFFSET}"]' in member
    assert 'cluster.initial_cluster_manager_nodes: ["babelshop-9240", "babelshop-9241"]' in member


def test_modules_the_runtime_lacks_are_not_asked_for(monkeypatch) -> None:
    import engine.java

    monkeypatch.setattr(engine.java, "java_modules", lambda java: frozenset({"java.base"}))
    options = ["-Xmx1g", "--add-modules=jdk.incubator.vector", "-Dx=1"]
    assert fitting_options("/jdk/bin/java", options) == ["-Xmx1g", "-Dx=1"]


def test_nodes_live_side_by_side_by_port() -> None:
    a, b = EnginePaths.resolve(port=9200, version="3.6.0"), EnginePaths.resolve(port=9201, version="2.19.1")
    assert a.node_dir != b.node_dir and a.home != b.home
    assert a.data_dir.name == "data-3.6.0" and a.state_file.parent == a.node_dir
