"""The language of a shopper's query, among every language babelshop can translate.

Shoppers type short queries ("sac à dos", "luiers") in any language, not only the catalog's.
Detection runs in three steps:

1. the catalog languages (``languages.detect``: a given code, the writing system, lingua);
   a given code or a script that names its language ends here, except Han characters without
   kana, which are Japanese where only the Japanese dictionary knows the whole text;
2. text in Latin letters is told apart by lingua among every language with an installed
   dictionary (the registry's query languages), the catalog's slightly preferred, so a
   Polish or Swedish query is not taken for German or English;
3. when still unsure, the dictionaries vote: a language whose dictionary knows the whole
   phrase, or more of its words, is the better guess; lingua's confidences break ties.

The result says how sure it is (``QueryLanguage.sure``) and names the runner-up, so the
rewriter can hedge: translate from both, and lean on the text's own vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from languages.detect import LanguageGuess, detect_language, detector, lingua_codes, script_counts
from languages.registry import CJK, LANGUAGES, PIVOT
from translation.base import Translator
from translation.compose import known_share
from translation.lexicon import Lexicon

#: Above this confidence a guess stands.
SURE = 0.7
PHRASE_BONUS = 1.0
LINGUA_WEIGHT = 0.5
#: When lingua gave up, its fallback (English) keeps a small lead: many product words
#: ("sofa", "jeans") are spelled the same in several languages.
DEFAULT_PRIOR = 0.3
#: A catalog language's lead over the others in the wide detection: the catalog is what the
#: shop expects its shoppers to write.
CATALOG_PRIOR = 0.1
#: A runner-up this close to the guess is hedged on (translated from as well).
HEDGE_MARGIN = 0.25
#: Lingua's first choices the dictionaries vote among when it is unsure.
SHORTLIST = 6
#: A word a dictionary reads only through its stem or parts counts this much in the vote: a
#: stem or a compound matches in more languages than a headword does.
INFLECTED_CREDIT = 0.5


@dataclass(frozen=True)
class QueryLanguage:
    """The detected language, how it was found, and the runner-up languages worth hedging on."""

    guess: LanguageGuess
    hedges: tuple[str, ...] = field(default=())

    @property
    def sure(self) -> bool:
        return self.guess.method in ("given", "script") or self.guess.confidence >= SURE


def detect_query_language(text: str, catalog: Sequence[str], candidates: Sequence[str], translator, *,
                          given: str | None = None) -> QueryLanguage:
    """The language of ``text`` among ``candidates`` (the catalog's first), with hedges when unsure."""
    guess = detect_language(text, catalog, given=given)
    if guess.method == "script" and guess.lang == "zh" and "ja" in candidates:
        return QueryLanguage(_han_reading(text, guess, translator))
    if guess.method in ("given", "script"):
        return QueryLanguage(guess)
    counts = script_counts(text)
    if not counts or max(counts, key=counts.get) != "latin" or set(candidates) <= set(catalog):
        return QueryLanguage(guess)
    latin = [c for c in candidates if LANGUAGES.get(c) is None or LANGUAGES[c].script == "latin"]
    lingua = _lingua_values(text, lingua_codes(latin))
    for code in catalog:
        if code in lingua:
            lingua[code] += CATALOG_PRIOR
    ranked = sorted(lingua.items(), key=lambda item: -item[1])
    if ranked and ranked[0][1] >= SURE and _reads_any(text, ranked[0][0], translator, catalog):
        best = ranked[0][0]
        hedges = tuple(c for c, v in ranked[1:3] if v >= ranked[0][1] - HEDGE_MARGIN)
        return QueryLanguage(LanguageGuess(best, round(min(ranked[0][1], 0.99), 3), "lingua"), hedges)
    # The dictionaries vote among lingua's own first choices and the catalog's languages: the
    # catalog's lead is added after the shortlist is drawn, or on a single word, where lingua
    # mostly guesses, the catalog's languages would crowd out the one it was written in.
    raw = sorted(lingua, key=lambda code: -(lingua[code] - CATALOG_PRIOR * (code in catalog)))
    shortlist = list(dict.fromkeys([*raw[:SHORTLIST], *(c for c in catalog if c in lingua)]))
    return _vote(text, guess, shortlist or list(catalog), lingua, translator, catalog)


def _vote(text: str, guess: LanguageGuess, shortlist: list[str], lingua: dict[str, float], translator,
          catalog: Sequence[str]) -> QueryLanguage:
    """The dictionaries' vote among the shortlisted languages (and the catalog guess)."""
    words = _words(text)
    candidates = list(dict.fromkeys([guess.lang, *shortlist]))
    if not words or not isinstance(translator, Translator) or len(candidates) < 2:
        return QueryLanguage(guess, tuple(c for c in shortlist[:2] if c != guess.lang))
    scores: dict[str, float] = {}
    for lang in candidates:
        if lang in CJK:
            continue
        lexicon = _lexicon(translator, lang, catalog)
        if lexicon is None:
            continue
        phrase = len(words) > 1 and lexicon.lookup(" ".join(words)) is not None
        covered = sum(_word_credit(lexicon, w) for w in words) / len(words)
        prior = DEFAULT_PRIOR if guess.method == "default" and lang == guess.lang else 0.0
        scores[lang] = PHRASE_BONUS * phrase + covered + LINGUA_WEIGHT * lingua.get(lang, 0.0) + prior
    if not scores:
        return QueryLanguage(guess, tuple(c for c in shortlist[:2] if c != guess.lang))
    ranked = sorted(scores, key=lambda lang: -scores[lang])
    best = ranked[0]
    top = PHRASE_BONUS + 1 + LINGUA_WEIGHT
    hedges = tuple(c for c in ranked[1:3] if scores[c] >= scores[best] - HEDGE_MARGIN * top)
    if best == guess.lang or scores[best] <= scores.get(guess.lang, 0.0):
        return QueryLanguage(guess, hedges)
    confidence = min(0.9, 0.3 + 0.3 * scores[best] / top + 0.3 * lingua.get(best, 0.0))
    return QueryLanguage(LanguageGuess(best, round(confidence, 3), "dictionary"), hedges)  # type: ignore[arg-type]


def _words(text: str) -> list[str]:
    return [w for w in text.lower().replace("'", " ").split() if any(c.isalpha() for c in w)]


def _reads_any(text: str, lang: str, translator, catalog: Sequence[str]) -> bool:
    """Whether ``lang``'s dictionary reads a word of ``text``: a sure guess whose dictionary reads
    nothing ("Veevoer" taken for Afrikaans) goes to the dictionaries' vote."""
    lexicon = _lexicon(translator, lang, catalog) if isinstance(translator, Translator) else None
    return lexicon is None or any(_word_credit(lexicon, w) > 0 for w in _words(text))


def _word_credit(lexicon: Lexicon, word: str) -> float:
    """1 for a headword, ``INFLECTED_CREDIT`` for a word the dictionary reads only through its
    stem or parts ("marteladores"), 0 for one it cannot read."""
    if lexicon.lookup(word) is not None:
        return 1.0
    return INFLECTED_CREDIT * known_share(word, lexicon)


def _han_reading(text: str, guess: LanguageGuess, translator) -> LanguageGuess:
    """Han characters without kana are read as Chinese, unless the Japanese dictionary reads
    more of them: "時計" (a clock) or "刀剣" (swords) are Japanese words that Chinese would
    take apart character by character, and "金庫関連用品" is written with Japanese forms of
    characters ("関") that a Chinese dictionary lacks. Where both read it alike, the script
    decides."""
    if not isinstance(translator, Translator):
        return guess
    chinese, japanese = translator.lexicon_for("zh", PIVOT), translator.lexicon_for("ja", PIVOT)
    key = text.strip()
    if chinese is None or japanese is None:
        return guess
    if japanese.lookup(key) is not None and chinese.lookup(key) is None:
        return LanguageGuess("ja", 0.9, "dictionary")
    if known_share(key, japanese) > known_share(key, chinese):
        return LanguageGuess("ja", 0.8, "dictionary")
    return guess


def _lexicon(translator: Translator, lang: str, catalog: Sequence[str]) -> Lexicon | None:
    """The dictionary that reads ``lang``: lang->en, or for English en->another language."""
    targets = [PIVOT] if lang != PIVOT else [t for t in catalog if t not in (PIVOT, *CJK)]
    for target in targets:
        if (found := translator.lexicon_for(lang, target)) is not None:
            return found
    return None


def _lingua_values(text: str, codes: list[str]) -> dict[str, float]:
    if len(codes) < 2:
        return {}
    values = detector(frozenset(codes)).compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}
