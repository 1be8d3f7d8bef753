"""Where the embedded engine lives on disk.

As root the node must run as an unprivileged user (OpenSearch refuses root), and that user
cannot read /root, so root's default is /var/lib/babelshop; anyone else uses ~/.cache.

One root holds a node home per OpenSearch version (``opensearch-<version>/``, immutable once
assembled, shared by every node of that version) and a folder per running node, named by its
HTTP port (``nodes/<port>/``: config, logs, tmp, state and, by default, its data), so nodes of
different versions run side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from common.settings import Settings, get_settings
from engine.versions import DEFAULT_VERSION

ENGINE_USER = "babelshop"
DEFAULT_PORT = 9200


def running_as_root() -> bool:
    return os.geteuid() == 0


def default_root(settings: Settings | None = None) -> Path:
    configured = (settings or get_settings()).engine_dir
    if configured:
        return configured
    if running_as_root():
        return Path("/var/lib/babelshop/engine")
    return Path.home() / ".cache" / "babelshop" / "engine"


def default_version(settings: Settings | None = None) -> str:
    return (settings or get_settings()).engine_version or DEFAULT_VERSION


@dataclass(frozen=True)
class EnginePaths:
    """One node's files: the version's home, and the node's data, config, logs and run state."""

    root: Path
    data_dir: Path
    version: str = DEFAULT_VERSION
    port: int = DEFAULT_PORT
    #: Where the assembled homes are, when not under ``root`` (``BABELSHOP_ENGINE_HOMES``).
    homes_dir: Path | None = None

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None, *, version: str | None = None,
                port: int = DEFAULT_PORT, settings: Settings | None = None) -> EnginePaths:
        settings = settings or get_settings()
        root = default_root(settings)
        version = version or default_version(settings)
        configured = data_dir or settings.engine_data_dir
        data = Path(configured) if configured else root / "nodes" / str(port) / f"data-{version}"
        return cls(root=root, data_dir=data.resolve(), version=version, port=port, homes_dir=settings.engine_homes)

    @property
    def homes(self) -> Path:
        # Tests run extra nodes under another root but share the assembled jars.
        return self.homes_dir or self.root

    @property
    def home(self) -> Path:
        return self.homes / f"opensearch-{self.version}"

    @property
    def node_dir(self) -> Path:
        return self.root / "nodes" / str(self.port)

    @property
    def conf_dir(self) -> Path:
        return self.node_dir / "config"

    @property
    def logs_dir(self) -> Path:
        return self.node_dir / "logs"

    @property
    def tmp_dir(self) -> Path:
        return self.node_dir / "tmp"

    @property
    def state_file(self) -> Path:
        return self.node_dir / "engine.json"

    @property
    def log_file(self) -> Path:
        # Named by cluster.name in log4j2.properties.
        return self.logs_dir / "babelshop.log"

    @property
    def console_file(self) -> Path:
        return self.logs_dir / "console.log"


def node_ports(root: Path | None = None) -> list[int]:
    """The HTTP ports of the nodes that have a folder under ``root``."""
    nodes = (root or default_root()) / "nodes"
    return sorted(int(p.name) for p in nodes.iterdir() if p.name.isdigit()) if nodes.is_dir() else []
