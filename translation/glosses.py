"""Turn dictionary glosses into short, weighted translations fit for product titles.

``translations("to run (sth.), coffee maker <n>")`` gives ``("run", "coffee maker")``;
``weigh(senses)`` ranks the translations of one headword by sense order, position within
the sense and how often a translation recurs across senses, the best weighing 1.0.
"""

from __future__ import annotations

import re
import unicodedata

from common.text import normalize_term

#: One sense of a headword: its translations in order, and a weight factor for the sense.
Sense = tuple[tuple[str, ...], float]

#: Translations longer than this many words are explanations, not translations.
MAX_GLOSS_WORDS = 5

_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}|<[^<>]*>|（[^（）]*）")
_PLACEHOLDER = re.compile(
    r"(?<!\w)(?:(?:so|etw|jdm|jdn|jds|jd|qn|qch|qc|algn|alg)\.|sb\.?|sth\.?|sb's|sth's|one's|oneself)(?=\s|$|,)",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(to|a|an|the|le|la|les|l'|un|une|des|el|los|las|una|unos|unas|der|die|das|ein|eine)\s+",
    re.IGNORECASE,
)
_HAS_BRACKET = re.compile(r"[(\[{<（]")
#: Ding follows a country's name with its licence-plate code and the code's sound ("Türkei
#: <fem> [geogr.] TR, /tˌiːˈɑː/"): neither is part of the name.
_COUNTRY_CODE = re.compile(r"(\[geogr\.\])\s+[A-Z]{1,3}(?:\s*,\s*/[^/,]*/)?(?=\s*(?:,|$))")
_SEPARATORS = re.compile(r"[,;；、]")
_SPACES = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^\d+\.\s+")
_NUMBER_SUFFIX = re.compile(r"(?<=\D)\s+\d\.?$")


def translations(line: str) -> tuple[str, ...]:
    """The clean translations in one sense line: notes in brackets and placeholders removed,
    then split on commas and semicolons (``"to run (sth.), to race <v>"`` -> ``("run", "race")``)."""
    text = line.strip()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\u2010", "-").replace("’", "'")
    if _HAS_BRACKET.search(text):
        text = _COUNTRY_CODE.sub(r"\1", text)
        previous = None
        while previous != text:  # nested brackets: "(noun (common))"
            previous, text = text, _BRACKETS.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    return tuple(g for g in map(clean_gloss, _SEPARATORS.split(text)) if g)


def clean_gloss(gloss: str) -> str:
    """One translation without a sense number, a leading "to "/article or stray punctuation.

    Returns ``""`` for what is no translation: empty, an explanation longer than
    ``MAX_GLOSS_WORDS`` words, alternatives with "/", or elided text.
    """
    text = gloss.strip()
    if text[:1].isdigit():
        text = _NUMBER_PREFIX.sub("", text)
    if text[-1:].isdigit() or text.endswith("."):
        text = _NUMBER_SUFFIX.sub("", text)  # WikDict's stray sense numbers: "disque 2."
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = _LEADING.sub("", text.strip(" .,;:!?-/'\""))
    if not text or "/" in text or "..." in text or "…" in text or "=" in text:
        return ""
    if text.count(" ") >= MAX_GLOSS_WORDS or not any(c.isalnum() for c in text):
        return ""
    return text


def weigh(senses: list[Sense], limit: int = 8) -> list[tuple[str, float]]:
    """Rank a headword's translations; the best weighs 1.0.

    A translation scores by its first appearance (earlier sense, earlier position) and gains
    when several senses repeat it; translations of three words or more lose against shorter ones.
    """
    scores: dict[str, float] = {}
    shown: dict[str, str] = {}
    for rank, (glosses, factor) in enumerate(senses):
        for position, gloss in enumerate(glosses):
            key = normalize_term(gloss)
            score = factor / (1.0 + 0.4 * rank + 0.15 * position)
            if key in scores:
                scores[key] = max(scores[key], score) + 0.2 * min(scores[key], score)
            else:
                scores[key] = score
                shown[key] = gloss
    for key in scores:
        words = key.count(" ") + 1
        if words > 2:
            scores[key] *= 0.8 ** (words - 2)  # product titles want "coffee maker", not a definition
    ranked = sorted(scores.items(), key=lambda item: -item[1])[:limit]
    if not ranked:
        return []
    top = ranked[0][1]
    return [(shown[key], round(score / top, 4)) for key, score in ranked]
