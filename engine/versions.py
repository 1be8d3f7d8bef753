"""The OpenSearch lines babelshop embeds, and everything that differs between them.

One assembly recipe (``engine.assemble``) and one start command (``engine.process``) serve
every line; this table is the only place a line's differences live: the artifacts, the Java it
needs, the security agent, and the JVM options.

| | 2.19.1 | 3.6.0 |
|---|---|---|
| Java | 17 to 22 (its locale provider ``COMPAT`` is gone from 23 on) | 21 or newer |
| security | the Java security manager | the ``opensearch-agent`` Java agent (``lib/agent/``, ``-javaagent:``) |
| log4j-core | 2.21.0 (the server's log4j-api) | 2.25.3 (the server's log4j-api) |
| modules | + ``rank-eval`` (not served at 3.6.0) | + ``transport-grpc`` (the plugins extend it), ``search-pipeline-common`` |
| JVM options | ``-Djava.locale.providers=SPI,COMPAT`` | ``SPI,CLDR``, ``--add-modules=jdk.incubator.vector`` |
| RRF ranks | per shard | across all shards (neural-search 3.5 and later) |
"""

from __future__ import annotations

from dataclasses import dataclass

#: Modules every line carries (Maven artifact ids under ``org.opensearch.plugin``).
COMMON_MODULES = ("transport-netty4-client", "analysis-common", "lang-painless", "mapper-extras-client",
                  "reindex-client", "ingest-common", "parent-join-client", "aggs-matrix-stats-client")


@dataclass(frozen=True)
class EngineLine:
    """One OpenSearch version as babelshop assembles and runs it."""

    version: str
    plugin_version: str  # opensearch-knn and neural-search zips
    java_min: int
    java_max: int | None
    log4j_core: str
    extra_modules: tuple[str, ...]
    #: Java agent artifacts (``org.opensearch``) laid out in ``lib/agent/``; empty before 3.x.
    agent: tuple[str, ...]
    jvm_options: tuple[str, ...]

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def modules(self) -> tuple[str, ...]:
        return COMMON_MODULES + self.extra_modules

    def java_fits(self, major: int) -> bool:
        return major >= self.java_min and (self.java_max is None or major <= self.java_max)

    def java_range(self) -> str:
        return f"{self.java_min} to {self.java_max}" if self.java_max else f"{self.java_min} or newer"


LINES: dict[str, EngineLine] = {
    "2.19.1": EngineLine(
        version="2.19.1", plugin_version="2.19.1.0", java_min=17, java_max=22, log4j_core="2.21.0",
        extra_modules=("rank-eval-client",), agent=(),
        jvm_options=("-Djava.locale.providers=SPI,COMPAT",),
    ),
    "3.6.0": EngineLine(
        version="3.6.0", plugin_version="3.6.0.0", java_min=21, java_max=None, log4j_core="2.25.3",
        extra_modules=("transport-grpc", "search-pipeline-common"),
        agent=("opensearch-agent", "opensearch-agent-bootstrap"),
        jvm_options=("-Djava.locale.providers=SPI,CLDR", "--add-modules=jdk.incubator.vector",
                     "-Dorg.apache.lucene.store.MMapDirectory.sharedArenaMaxPermits=1"),
    ),
}
#: The line ``babelshop engine start`` runs unless told otherwise (BABELSHOP_ENGINE_VERSION).
DEFAULT_VERSION = "3.6.0"


def other_version(version: str | None = None) -> str:
    """The embedded line that is not ``version`` (the default's other one): what the
    compatibility run of ``make test`` uses. The Makefile passes ``BABELSHOP_ENGINE_VERSION``
    itself: this module must import with the system Python, before pydantic's Settings exist."""
    main = version or DEFAULT_VERSION
    return next(v for v in LINES if v != main)


def engine_line(version: str | None) -> EngineLine:
    """The line for ``version`` (the default when None); a clear error for one babelshop does not embed."""
    from engine.errors import EngineError

    chosen = version or DEFAULT_VERSION
    if chosen not in LINES:
        raise EngineError(f"OpenSearch {chosen} is not embedded: choose one of {', '.join(LINES)} "
                          "(--version or BABELSHOP_ENGINE_VERSION).")
    return LINES[chosen]


def pom(engine: EngineLine) -> str:
    """The Maven project whose dependency tree is the node: the server first (Maven's nearest-wins
    mediation then keeps a jar the server carries out of every module, which OpenSearch's
    jar-hell check would refuse), then lib/ extras, agent, modules, and the plugin zips."""
    def dep(group: str, artifact: str, version: str, kind: str = "") -> str:
        typed = f"<type>{kind}</type>" if kind else ""
        return (f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
                f"<version>{version}</version>{typed}</dependency>")

    v = engine.version
    deps = [dep("org.opensearch", "opensearch", v),
            dep("org.opensearch", "opensearch-plugin-classloader", v),
            dep("org.apache.logging.log4j", "log4j-core", engine.log4j_core),
            *(dep("org.opensearch", a, v) for a in engine.agent),
            *(dep("org.opensearch.plugin", m, v) for m in engine.modules),
            dep("org.opensearch.plugin", "opensearch-knn", engine.plugin_version, "zip"),
            dep("org.opensearch.plugin", "neural-search", engine.plugin_version, "zip")]
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!-- Generated by babelshop (engine/versions.py): the embedded OpenSearch "
            f"{v} as Maven artifacts. -->\n"
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n"
            f"  <groupId>io.babelshop</groupId><artifactId>babelshop-engine</artifactId><version>{v}</version>\n"
            "  <packaging>pom</packaging>\n  <dependencies>\n" + "\n".join(deps) + "\n  </dependencies>\n</project>\n")
