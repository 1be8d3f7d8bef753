"""Build lexicons from parsed dictionaries: rank, read backwards, borrow through a bridge.

    forward = weigh_entries(dictd.read_entries(deu_eng), "de", "en")
    backward = weigh_entries(dictd.read_entries(eng_deu), "en", "de")
    de_en = build_lexicon("de", "en", forward, backward)
    en_de = build_lexicon("en", "de", backward, forward)

A dictionary of the direction itself (``de->en``) is merged with the reverse one read
backwards (``en->de``), so either alone still works and agreement between both raises a
translation. ``compose`` chains two lexicons (``fr->de`` then ``de->en``) for small dictionaries.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from common.text import normalize_term
from translation import frequency
from translation.glosses import Sense, weigh
from translation.lexicon import MAX_TRANSLATIONS, Lexicon, pack

#: A reverse-dictionary translation counts this much against a direct one.
INVERSE_FACTOR = 0.8
#: A translation through a bridge language counts this much against a direct one.
BRIDGE_FACTOR = 0.6
#: Inverse entries only for glosses this short ("coffee maker"), not explanations.
INVERSE_MAX_WORDS = 3

Entries = Iterable[tuple[str, list[Sense], float]]


@dataclass(slots=True)
class Weighed:
    """One parsed dictionary, weighed: what ``build_lexicon`` reads in either direction."""

    #: Languages of the headwords and of their translations.
    headword_lang: str
    gloss_lang: str
    #: Normalised headword -> its translations ranked, the best at 1.0.
    ranked: dict[str, list[tuple[str, float]]]
    #: Normalised headword -> as first written ("Kaffeemaschine").
    written: dict[str, str]
    #: Normalised headword -> frequency prior from the dictionary (0 keeps it out of inversion).
    priors: dict[str, float]
    #: Normalised translation -> how many headwords it translates: commonness without wordfreq.
    counts: Counter[str]


def weigh_entries(entries: Entries, headword_lang: str, gloss_lang: str) -> Weighed:
    """Merge the entries of each headword and rank its translations.

    Entries of one headword count as equal senses (Ding orders them alphabetically), unless
    their senses' factors say otherwise (a verb entry, a technical one); common
    translations win ("black" over "blackly"): by wordfreq where installed, else by how
    many headwords share the translation.
    """
    grouped: dict[str, list[list[Sense]]] = {}
    priors: dict[str, float] = {}
    written: dict[str, str] = {}
    for headword, senses, prior in entries:
        key = normalize_term(headword)
        grouped.setdefault(key, []).append(senses)
        priors[key] = max(priors.get(key, 0.0), prior)
        written.setdefault(key, headword.strip())
    counts: Counter[str] = Counter()
    for entry_list in grouped.values():
        counts.update({normalize_term(g) for senses in entry_list for glosses, _ in senses for g in glosses})
    common = _Commonness(gloss_lang, counts)
    ranked: dict[str, list[tuple[str, float]]] = {}
    for key, entry_list in grouped.items():
        merged: dict[str, float] = {}
        shown: dict[str, str] = {}
        for senses in entry_list:
            # weigh() ranks within an entry; its best sense's factor ranks the entry among the
            # headword's others (a verb entry below a noun entry of the same word).
            scale = max(factor for _, factor in senses)
            for gloss, weight in weigh(senses):
                weight *= scale
                norm = normalize_term(gloss)
                merged[norm] = max(merged.get(norm, 0.0), weight * common(norm))
                shown.setdefault(norm, gloss)
        best = sorted(merged.items(), key=lambda item: -item[1])[:MAX_TRANSLATIONS]
        top = best[0][1]
        ranked[key] = [(shown[norm], weight / top) for norm, weight in best]
    return Weighed(headword_lang, gloss_lang, ranked, written, priors, counts)


class _Commonness:
    """Weight of a normalised word for being common in ``lang``, memoised."""

    def __init__(self, lang: str, counts: Counter[str]) -> None:
        self.lang, self.counts = lang, counts
        self.use_wordfreq = frequency.available(lang)
        self.memo: dict[str, float] = {}

    def __call__(self, word: str) -> float:
        value = self.memo.get(word)
        if value is None:
            if self.use_wordfreq:
                value = frequency.frequency_factor(word, self.lang)
            else:
                value = 1.0 + 0.1 * math.log1p(self.counts[word])
            self.memo[word] = value
        return value


def build_lexicon(
    source: str,
    target: str,
    direct: Weighed | None = None,
    inverse: Weighed | None = None,
    bridged: dict[str, dict[str, float]] | None = None,
) -> Lexicon:
    """Merge a ``source->target`` dictionary with a ``target->source`` one read backwards.

    Reading backwards, a headword of the reverse dictionary ("Kaffeemaschine") becomes a
    translation of each of its short translations ("coffee maker"), weighed by its rank
    there, its prior and how common it is (wordfreq, else how often the direct
    dictionary uses it). ``bridged`` translations (from ``compose``) count least.
    """
    scores: dict[str, dict[str, float]] = {}
    if direct is not None:
        scores = {key: dict(ranked) for key, ranked in direct.ranked.items()}
    inverted: dict[str, dict[str, float]] = {}
    if inverse is not None:
        common = _Commonness(target, direct.counts if direct is not None else Counter())
        for key, ranked in inverse.ranked.items():
            prior = inverse.priors[key]
            if prior <= 0:
                continue  # never offered as a translation (e.g. traditional Chinese forms)
            prior *= common(key)
            shown = inverse.written[key]
            for gloss, weight in ranked:
                if gloss.count(" ") >= INVERSE_MAX_WORDS:
                    continue
                slot = inverted.setdefault(normalize_term(gloss), {})
                slot[shown] = max(slot.get(shown, 0.0), weight * prior)
    _merge(scores, inverted, INVERSE_FACTOR)
    _merge(scores, bridged or {}, BRIDGE_FACTOR)
    packed = {}
    for key, candidates in scores.items():
        best = sorted(candidates.items(), key=lambda item: -item[1])[:MAX_TRANSLATIONS]
        top = best[0][1]
        packed[key] = pack([(text, weight / top) for text, weight in best])
    return Lexicon(source, target, packed)


def _merge(scores: dict[str, dict[str, float]], extra: dict[str, dict[str, float]], factor: float) -> None:
    for key, candidates in extra.items():
        top = max(candidates.values(), default=0.0)
        if top <= 0:
            continue
        slot = scores.setdefault(key, {})
        for text, weight in candidates.items():
            weight = factor * weight / top
            # Two sources agreeing is the strongest evidence a dictionary can give.
            old = slot.get(text)
            slot[text] = weight if old is None else max(old, weight) + 0.5 * min(old, weight)


def compose(first: Lexicon, second: Lexicon, k: int = 3, max_words: int = 3) -> dict[str, dict[str, float]]:
    """Translations through a bridge language: ``fr->de`` then ``de->en`` gives ``fr->en``.

    Each key of ``first`` (up to ``max_words`` words) gets the ``k`` best translations of
    its ``k`` best translations, weighed by the product.
    """
    composed: dict[str, dict[str, float]] = {}
    for key, options in first.items():
        if key.count(" ") >= max_words:
            continue
        candidates: dict[str, float] = {}
        for middle, w1 in options[:k]:
            for out, w2 in (second.lookup(middle) or [])[:k]:
                candidates[out] = max(candidates.get(out, 0.0), w1 * w2)
        if candidates:
            composed[key] = candidates
    return composed
