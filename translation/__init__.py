"""Translators: offline dictionaries by default, seq2seq models (MarianMT, NLLB, M2M100) on demand.

    from translation import load_translator
    translator = load_translator()                     # settings.translator picks the kind
    translator.translate("跑鞋", "zh", "en")            # [Translation('running shoes', 1.0), ...]
    translator.translate_many(titles, "de", "en")      # one list of alternatives per title

``load_translator`` keeps one instance per settings choice for the whole process, so
dictionaries and models load once.
"""

from __future__ import annotations

import threading

from common.settings import Settings, get_settings
from translation.base import Translation, TranslationError, Translator

__all__ = ["Translation", "TranslationError", "Translator", "load_translator", "new_translator"]

_instances: dict[tuple[str, str | None, str, str | None], Translator] = {}
_lock = threading.Lock()


def load_translator(settings: Settings | None = None) -> Translator:
    """The process-wide translator that ``settings.translator`` names (``get_settings()`` if None).

    ``"dictionary"`` needs no model; ``"transformers"`` needs ``settings.translator_model``
    (a Hugging Face id or a local folder) and the ``transformers`` and ``torch`` packages.
    """
    settings = settings or get_settings()
    key = (settings.translator, settings.translator_model, str(settings.cache_dir), settings.device)
    with _lock:
        translator = _instances.get(key)
        if translator is None:
            translator = _create(settings)
            _instances[key] = translator
        return translator


def new_translator(settings: Settings) -> Translator:
    """A translator of its own, shared with nothing: for a measurement that changes what the
    translator may read (``languages.unseen``), which the process-wide one has already read."""
    return _create(settings)


def _create(settings: Settings) -> Translator:
    if settings.translator == "dictionary":
        from translation.dictionary import DictionaryTranslator

        return DictionaryTranslator(settings)
    if settings.translator == "transformers":
        from translation.transformers_mt import TransformersTranslator

        return TransformersTranslator.from_settings(settings)
    msg = f"Unknown translator {settings.translator!r}: set BABELSHOP_TRANSLATOR to 'dictionary' or 'transformers'."
    raise TranslationError(msg)
