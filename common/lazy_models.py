"""The encoder and translator a component uses, loaded on first use (never at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.settings import Settings

if TYPE_CHECKING:
    from encoders.base import Encoder
    from translation.base import Translator


class LazyModels:
    """Base for the indexer's Enricher and the query side's Rewriter: pass models in (tests,
    shared instances) or let the settings choose them when first needed."""

    def __init__(self, settings: Settings, *, encoder: Encoder | None = None,
                 translator: Translator | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._translator = translator

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from encoders import load_encoder

            self._encoder = load_encoder(self.settings)
        return self._encoder

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            from translation import load_translator

            self._translator = load_translator(self.settings)
        return self._translator
