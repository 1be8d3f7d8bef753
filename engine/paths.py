"""Where the embedded engine lives on disk.

As root the node must run as an unprivileged user (OpenSearch refuses root), and that user
cannot read /root, so root's default is /var/lib/babelshop; anyone else uses ~/.cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OPENSEARCH_VERSION = "2.19.1"
ENGINE_USER = "babelshop"


def running_as_root() -> bool:
    return os.geteuid() == 0


def default_root() -> Path:
    configured = os.environ.get("BABELSHOP_ENGINE_DIR")
    if configured:
        return Path(configured)
    if running_as_root():
        return Path("/var/lib/babelshop/engine")
    return Path.home() / ".cache" / "babelshop" / "engine"


@dataclass(frozen=True)
class EnginePaths:
    """The node's home (immutable once assembled), its data, logs and run state."""

    root: Path
    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> EnginePaths:
        root = default_root()
        data = Path(data_dir) if data_dir else Path(os.environ.get("BABELSHOP_ENGINE_DATA_DIR", root / "data"))
        return cls(root=root, data_dir=data.resolve())

    @property
    def home(self) -> Path:
        # Shareable between instances (tests run a second node from the same jars).
        configured = os.environ.get("BABELSHOP_ENGINE_HOME")
        return Path(configured) if configured else self.root / f"opensearch-{OPENSEARCH_VERSION}"

    @property
    def conf_dir(self) -> Path:
        return self.root / "config"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    @property
    def state_file(self) -> Path:
        return self.root / "engine.json"

    @property
    def log_file(self) -> Path:
        # Named by cluster.name in log4j2.properties.
        return self.logs_dir / "babelshop.log"

    @property
    def console_file(self) -> Path:
        return self.logs_dir / "console.log"
