"""Slavic compounds whose parts a linking vowel joins, which a dictionary rarely lists whole.

Russian and Polish join a modifier to its head with "о" or "е" ("пар|о|очистители": steam
cleaners, "газ|о|анализаторов": of gas analyzers, "ciśnieni|o|mierze": pressure gauges), and
many catalog words are built that way from a combining form ("видео|конференций", "радио|
управляемые"). Where the dictionary knows both halves, the word is read as the modifier
followed by its head ("steam cleaner"), instead of passing through untranslated.

Both halves must be dictionary words (the head as inflected, through the lexicon's forms), so
a loanword that happens to contain a vowel ("диспенсеры") stays whole: a wrong split adds a
wrong word, an unsplit one only misses one.
"""

from __future__ import annotations

from collections.abc import Callable

from common.text import normalize_term

#: Source languages whose unknown words are tried as linked compounds.
LINKED_COMPOUNDING = frozenset({"ru", "pl"})
#: The linking vowels, Cyrillic and Latin.
LINKING_VOWELS = ("о", "е", "o")
#: Endings the modifier may have in the dictionary in place of the linking vowel, beside the
#: vowel itself ("видео", "радио") and none ("газ|о"): "ciśnieni|o" is "ciśnienie".
MODIFIER_ENDINGS = ("е", "e", "а", "a", "ь")
MIN_MODIFIER = 3
MIN_HEAD = 4

Options = list[tuple[str, float]]


def split_linked(word: str, lookup: Callable[[str], Options | None]) -> tuple[Options, Options] | None:
    """The modifier's and the head's translations of a linked compound ``word``, or None.

    ``lookup`` translates one dictionary word (None when unknown). Of several splits the one
    with the longest head wins: the head is what the compound names."""
    key = normalize_term(word)
    for cut in range(MIN_MODIFIER, len(key) - MIN_HEAD + 1):
        modifier, head = key[:cut], key[cut:]
        if not modifier.endswith(LINKING_VOWELS):
            continue
        head_options = lookup(head)
        if not head_options:
            continue
        bare = modifier[:-1]
        for stem in (modifier, bare, *(bare + ending for ending in MODIFIER_ENDINGS)):
            modifier_options = lookup(stem)
            if modifier_options:
                return modifier_options, head_options
    return None
