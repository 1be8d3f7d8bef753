"""Shopper queries are short ("sac à dos", "clavier"): statistical language id alone often
guesses wrong or gives up. Where it is unsure, the bilingual dictionaries vote: a language
whose dictionary knows the whole phrase, or more of its words, is the better guess; lingua's
own confidences break ties.
"""

from __future__ import annotations

from collections.abc import Sequence

from babelcore.langid import LanguageGuess, detector, lingua_codes, script_counts
from babelcore.translators.base import TranslationError

#: Above this lingua confidence the statistical guess stands.
SURE = 0.7
PHRASE_BONUS = 1.0
LINGUA_WEIGHT = 0.5
#: When lingua gave up, its fallback (English) keeps a small lead: many product words
#: ("sofa", "jeans") are spelled the same in several languages.
DEFAULT_PRIOR = 0.3
PIVOT = "en"
_CJK = ("zh", "ja", "ko")


def _lexicon(translator, lang: str, languages: Sequence[str]):
    """The dictionary that reads ``lang``: lang->en, or for English en->another language."""
    targets = [PIVOT] if lang != PIVOT else [t for t in languages if t not in (PIVOT, *_CJK)]
    for target in targets:
        try:
            return translator.lexicon(lang, target)
        except (TranslationError, KeyError, AttributeError):
            continue
    return None


def _lingua_values(text: str, codes: list[str]) -> dict[str, float]:
    if len(codes) < 2:
        return {}
    values = detector(frozenset(codes)).compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


def refine_language(text: str, guess: LanguageGuess, languages: Sequence[str], translator) -> LanguageGuess:
    """``guess``, or a better-supported Latin-script catalog language for ``text``."""
    if guess.method in ("given", "script") or guess.confidence >= SURE or not hasattr(translator, "lexicon"):
        return guess
    counts = script_counts(text)
    if not counts or max(counts, key=counts.get) != "latin":
        return guess
    candidates = [lang for lang in languages if lang not in _CJK]
    words = [w for w in text.lower().replace("'", " ").split() if any(c.isalpha() for c in w)]
    if not words or len(candidates) < 2:
        return guess
    lingua = _lingua_values(text, lingua_codes(candidates))
    scores: dict[str, float] = {}
    for lang in candidates:
        lexicon = _lexicon(translator, lang, languages)
        if lexicon is None:
            continue
        phrase = len(words) > 1 and lexicon.lookup(" ".join(words)) is not None
        covered = sum(lexicon.lookup(w) is not None for w in words) / len(words)
        prior = DEFAULT_PRIOR if guess.method == "default" and lang == guess.lang else 0.0
        scores[lang] = PHRASE_BONUS * phrase + covered + LINGUA_WEIGHT * lingua.get(lang, 0.0) + prior
    if not scores:
        return guess
    best = max(scores, key=scores.get)
    if best == guess.lang or scores[best] <= scores.get(guess.lang, 0.0):
        return guess
    confidence = min(0.9, 0.3 + 0.3 * scores[best] / (PHRASE_BONUS + 1 + LINGUA_WEIGHT) + 0.3 * lingua.get(best, 0.0))
    return LanguageGuess(best, round(confidence, 3), "dictionary")  # type: ignore[arg-type]
