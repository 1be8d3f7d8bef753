"""Neural translation with a seq2seq model from ``transformers``: MarianMT, NLLB or M2M100.

    translator = TransformersTranslator("Helsinki-NLP/opus-mt-zh-en")
    translator.translate("跑鞋", "zh", "en")               # beams become weighted alternatives
    TransformersTranslator("Helsinki-NLP/opus-mt-{src}-{tgt}")   # one Marian model per pair
    TransformersTranslator("facebook/nllb-200-distilled-600M")  # one model, every pair

``model`` is a Hugging Face id or a local folder; ``{src}``/``{tgt}`` in it name one model per
language pair, loaded when first needed. ``torch`` and ``transformers`` are imported only
then. Beam search returns ``max_candidates`` sequences; their weights are
``exp(score - best score)`` of the length-normalised log-probabilities, so the best is 1.0.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from translation.base import DEFAULT_CACHE_SIZE, Translation, TranslationError, Translator

if TYPE_CHECKING:
    from common.settings import Settings

log = logging.getLogger(__name__)

#: ISO 639-1 to the FLORES-200 codes NLLB expects.
NLLB_CODES = {
    "en": "eng_Latn", "zh": "zho_Hans", "de": "deu_Latn", "es": "spa_Latn", "fr": "fra_Latn",
    "ja": "jpn_Jpan", "it": "ita_Latn", "pt": "por_Latn", "nl": "nld_Latn", "ru": "rus_Cyrl",
    "ko": "kor_Hang", "ar": "arb_Arab", "pl": "pol_Latn", "tr": "tur_Latn", "sv": "swe_Latn",
}  # fmt: skip
_OPUS_PAIR = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$", re.IGNORECASE)


@dataclass(slots=True)
class _Loaded:
    tokenizer: Any
    model: Any
    kind: str  # "marian", "nllb" or "m2m100"


class TransformersTranslator(Translator):
    """Translate with a ``transformers`` seq2seq model; weighted alternatives from beam search."""

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        batch_size: int = 16,
        num_beams: int = 4,
        max_input_tokens: int = 256,
        max_new_tokens: int = 128,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        super().__init__(cache_size)
        if not model:
            msg = (
                "The transformers translator needs a model: set BABELSHOP_TRANSLATOR_MODEL to a Hugging Face id "
                "or local folder, e.g. 'Helsinki-NLP/opus-mt-{src}-{tgt}' or 'facebook/nllb-200-distilled-600M'."
            )
            raise TranslationError(msg)
        self.model_name = model
        self.id = f"transformers:{model}"
        self.device = device
        self.batch_size = batch_size
        self.num_beams = num_beams
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens
        self._models: dict[str, _Loaded] = {}
        self._lock = threading.Lock()
        #: How many ``generate`` calls ran: batches, for tests and logs.
        self.generate_calls = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> TransformersTranslator:
        """The translator ``BABELSHOP_TRANSLATOR_MODEL`` and ``BABELSHOP_DEVICE`` describe."""
        return cls(settings.translator_model or "", device=settings.device)

    def model_for(self, source: str, target: str) -> str:
        """The model id or folder that translates ``source`` to ``target``."""
        name = self.model_name.replace("{src}", source).replace("{tgt}", target)
        pair = _OPUS_PAIR.search(name.rstrip("/"))
        if pair and (pair.group(1), pair.group(2)) != (source, target) and "{src}" not in self.model_name:
            msg = (
                f"The model {name!r} translates {pair.group(1)}->{pair.group(2)}, not {source}->{target}: set "
                f"BABELSHOP_TRANSLATOR_MODEL to 'Helsinki-NLP/opus-mt-{{src}}-{{tgt}}' (one model per pair) "
                "or to a many-to-many model such as 'facebook/nllb-200-distilled-600M'."
            )
            raise TranslationError(msg)
        return name

    def _load(self, name: str) -> _Loaded:
        with self._lock:
            loaded = self._models.get(name)
            if loaded is not None:
                return loaded
            try:
                import torch
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as error:
                msg = (
                    f"The transformers translator needs torch and transformers ({error}): "
                    "pip install 'babelshop[models]', or set BABELSHOP_TRANSLATOR=dictionary."
                )
                raise TranslationError(msg) from error
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            try:
                tokenizer = AutoTokenizer.from_pretrained(name)
                model = AutoModelForSeq2SeqLM.from_pretrained(name).to(device).eval()
            except (OSError, ValueError) as error:
                msg = (
                    f"Cannot load the translation model {name!r} ({error}). Give a local folder or a model id "
                    "that is in the Hugging Face cache (BABELSHOP_TRANSLATOR_MODEL)."
                )
                raise TranslationError(msg) from error
            kind = _kind(tokenizer, model)
            log.info("loaded %s model %s on %s", kind, name, device)
            loaded = self._models[name] = _Loaded(tokenizer, model, kind)
            return loaded

    def _translate_batch(
        self, texts: list[str], source: str, target: str, max_candidates: int
    ) -> list[list[Translation]]:
        loaded = self._load(self.model_for(source, target))
        results: list[list[Translation]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            results.extend(self._generate(loaded, batch, source, target, max_candidates))
        return results

    def _generate(self, loaded: _Loaded, texts: list[str], source: str, target: str, k: int) -> list[list[Translation]]:
        import torch

        tokenizer, model = loaded.tokenizer, loaded.model
        extra: dict[str, Any] = {}
        inputs = list(texts)
        if loaded.kind == "nllb":
            tokenizer.src_lang = _nllb(source)
            extra["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids(_nllb(target))
        elif loaded.kind == "m2m100":
            tokenizer.src_lang = source
            extra["forced_bos_token_id"] = tokenizer.get_lang_id(target)
        elif f">>{target}<<" in tokenizer.get_vocab():
            inputs = [f">>{target}<< {text}" for text in texts]  # multi-target Marian models
        encoded = tokenizer(
            inputs, return_tensors="pt", padding=True, truncation=True, max_length=self.max_input_tokens
        ).to(model.device)
        beams = max(self.num_beams, k)
        limit = getattr(model.config, "max_position_embeddings", None) or self.max_new_tokens + 1
        max_new_tokens = min(self.max_new_tokens, limit - 1)  # past the position table it would crash
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                num_beams=beams,
                num_return_sequences=k,
                max_new_tokens=max_new_tokens,
                output_scores=True,
                return_dict_in_generate=True,
                early_stopping=True,
                **extra,
            )
        self.generate_calls += 1
        decoded = tokenizer.batch_decode(output.sequences, skip_special_tokens=True)
        scores = output.sequences_scores.tolist() if output.sequences_scores is not None else [0.0] * len(decoded)
        results = []
        for i in range(len(texts)):
            group = list(zip(decoded[i * k : (i + 1) * k], scores[i * k : (i + 1) * k], strict=True))
            best = max(score for _, score in group)
            results.append([Translation(text.strip(), math.exp(score - best)) for text, score in group])
        return results


def _kind(tokenizer: Any, model: Any) -> str:
    name = type(tokenizer).__name__.lower()
    if "nllb" in name:
        return "nllb"
    if "m2m" in name or getattr(model.config, "model_type", "") == "m2m_100":
        return "m2m100"
    return "marian"


def _nllb(lang: str) -> str:
    code = NLLB_CODES.get(lang)
    if code is None:
        msg = f"NLLB has no code for language {lang!r} here: add it to NLLB_CODES (FLORES-200, e.g. 'deu_Latn')."
        raise TranslationError(msg)
    return code
