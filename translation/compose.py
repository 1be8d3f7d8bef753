"""Translate one text with one lexicon: find terms, choose their translations, put them together.

``translate_with(lexicon, text, k)`` returns up to ``k`` ``(text, weight)`` pairs. Multi-word
phrases are looked up before single words ("running shoes" before "running"), CJK runs are
cut by maximum matching, unknown German compounds are split into known parts, function
words such as articles and Japanese particles are dropped, and anything unknown passes
unchanged. Word order between Romance and other languages is fixed in ``word_order``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from common.text import normalize_term
from translation.lexicon import Lexicon, fold, snowball_stem
from translation.linked_compounds import LINKED_COMPOUNDING, split_linked
from translation.segment import Segment, Token, combine, is_cjk, is_katakana, max_match, split_compound, tokenize
from translation.word_order import (
    BREAKERS,
    COMPOUNDING,
    ROMANCE,
    join_compounds,
    keep_as_is,
    reorder_romance,
    reverse_modifiers,
)

#: Function words that only add noise when translated word by word.
DROPPED: dict[str, frozenset[str]] = {
    "zh": frozenset({"的", "了", "之"}),
    # "用" between two nouns says what the second is for ("バイク用パーツ": parts for motorbikes);
    # alone its dictionary senses are "business, task", which a product is not.
    "ja": frozenset({"の", "を", "は", "が", "に", "で", "へ", "や", "も", "な", "用"}),
    "en": frozenset({"the", "a", "an"}),
    "de": frozenset({"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer"}),
    "fr": frozenset({"le", "la", "les", "l'", "un", "une"}),
    "es": frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas"}),
    "it": frozenset({"il", "lo", "la", "i", "gli", "le", "l'", "un", "uno", "una"}),
    "pt": frozenset({"o", "a", "os", "as", "um", "uma"}),
    # Catalan's "a" also ends "per a" (for), which would otherwise come out as "for to".
    "ca": frozenset({"el", "la", "els", "les", "l'", "un", "una", "uns", "unes", "a"}),
    "ro": frozenset({"un", "o", "niște"}),  # Romanian's definite article is an ending
    # Prepositions and conjunctions of languages without word-order rules: translated one word
    # at a time they only add a wrong sense ("для" -> "accuse of", "do" -> "until").
    "ru": frozenset({"для", "и", "с", "со", "в", "во", "на", "под", "из", "к", "по", "от", "о", "об", "без", "или"}),
    "pl": frozenset({"do", "na", "i", "z", "ze", "w", "we", "dla", "od", "o", "po", "pod", "lub", "oraz", "bez"}),
    "nl": frozenset({"de", "het", "een", "voor", "en", "van", "met", "in", "op", "aan", "of", "bij", "zonder"}),
    "tr": frozenset({"ve", "ile", "için", "veya", "bir"}),
    "sv": frozenset({"för", "och", "med", "till", "av", "i", "på", "en", "ett", "eller", "utan"}),
    "da": frozenset({"til", "og", "med", "af", "i", "på", "en", "et", "eller", "uden"}),
    "nb": frozenset({"til", "og", "med", "av", "i", "på", "en", "et", "eller", "uten", "for"}),
    "cs": frozenset({"pro", "a", "s", "se", "v", "ve", "na", "z", "ze", "do", "nebo", "bez"}),
}
#: Bump when the rules here, or the dictionaries the registry gives a language, change what a
#: text translates to (lexicons stay valid: their cache stamps name their sources): as part of
#: the translator's id it makes the catalog's stored translations be redone on the next reindex.
RULES_VERSION = 16
#: Compounding languages whose unknown word is read by its Snowball stem before it is split.
STEM_BEFORE_SPLIT = frozenset({"nb", "nn", "da", "sv"})
#: English words that carry no product meaning. A source word whose best translation is only
#: these is a preposition or conjunction ("do" -> "until", "voor" -> "at", "per" -> "by"):
#: translated word by word it adds a wrong sense, so it is left out like an article.
ENGLISH_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto",
    "until", "till", "per", "via", "as", "than", "upon", "within", "toward", "towards", "unto", "whilst", "while",
    "is", "are", "be", "this", "that", "it",
})
#: Languages that stack suffixes on a word, so an unknown word passes through as its stem.
AGGLUTINATIVE = frozenset({"tr", "fi", "hu"})
MIN_BARE_STEM = 3
#: Weight per extra translated segment, and per unknown word passed through unchanged.
SEGMENT_FACTOR = 0.8
UNKNOWN_FACTOR = 0.5
_ELISION = re.compile(r"^(l|d|qu|j|n|s|c|m|t)['’](.+)$", re.IGNORECASE)
_NO_SPACE_BEFORE = set(",.;:!?)]}%/、。，")
_NO_SPACE_AFTER = set("([{/")


def _passthrough(text: str, kind: str = "word") -> Segment:
    return Segment(text, [(text, 1.0)], False, kind)


def _word_segments(words: list[str], lexicon: Lexicon, source: str, protected: frozenset[str]) -> list[Segment]:
    segments: list[Segment] = []
    # Model numbers and protected names pass through, and no phrase reaches across them.
    fixed = [keep_as_is(w) or w in protected for w in words]
    i, longest = 0, min(lexicon.max_words, 6)
    while i < len(words):
        if fixed[i]:
            segments.append(_passthrough(words[i]))
            i += 1
            continue
        span = 1
        if longest > 1 and lexicon.may_start_phrase(words[i]):
            while span < longest and i + span < len(words) and not fixed[i + span]:
                span += 1
        for n in range(span, 0, -1):
            phrase = " ".join(words[i : i + n]) if n > 1 else words[i]
            options = lexicon.lookup(phrase)
            if options:
                segments.append(Segment(phrase, options, True))
                i += n
                break
        else:
            segments.append(_unknown_word(words[i], lexicon, source))
            i += 1
    return segments


def _unknown_word(word: str, lexicon: Lexicon, source: str) -> Segment:
    """A word the lexicon lacks: its hyphenated or compound parts where those are known, else itself.

    Hyphenated pieces are translated one by one and unknown ones pass through, so a loanword
    does not hide the rest ("USB-Kabel" -> "USB cable", "Skateboarding-Schutzausrüstung" ->
    "Skateboarding protective equipment")."""
    pieces = [p for p in word.split("-") if p]
    if len(pieces) > 1:
        # Only the last piece (the head) is split as a compound: a loanword in front
        # ("Trekking-", "Handheld-") splits into nonsense more often than not.
        found = [lexicon.lookup(p) or lexicon.stem_lookup(normalize_term(p)) for p in pieces[:-1]]
        found.append(_part_options(pieces[-1], lexicon, source) or lexicon.stem_lookup(normalize_term(pieces[-1])))
        if not any(found):
            return _passthrough(word)
        slots = [options or [(piece, 1.0)] for piece, options in zip(pieces, found, strict=True)]
    else:
        key = normalize_term(word)
        if source in STEM_BEFORE_SPLIT:  # its Snowball stem is asked there, first
            options = _plural_options(word, lexicon, source) or lexicon.prefix_lookup(key)
        else:
            options = _part_options(word, lexicon, source, looked_up=True) or lexicon.stem_lookup(key)
        if not options:
            return _bare_stem(word, source) or _passthrough(word)
        slots = [options]
    if lexicon.target in ROMANCE:
        slots = slots[::-1]  # "USB-Kabel" -> "cable USB", head first
    return Segment(word, [(" ".join(p), w) for p, w in combine(slots, 3)], True)


def _plural_options(word: str, lexicon: Lexicon, source: str) -> list[tuple[str, float]] | None:
    """An unknown Scandinavian word, most likely a plural: by its Snowball stem ("stoler":
    "stol"), by its singular where a noun in -el, -en or -er drops its e ("sykler": "sykkel"),
    as a compound, or as a compound of its stem ("kaffemaskiner": "kaffe|maskin"). The stem
    comes before the split, which would cut the ending into a word of its own ("sto|ler")."""
    key = normalize_term(word)
    found = lexicon.stem_lookup(key, prefix=False)
    if found:
        return found
    for singular in _syncope(key):
        if found := lexicon.lookup(singular):
            return found
    if found := _part_options(word, lexicon, source, looked_up=True):
        return found
    stem = snowball_stem(source, key)
    return _part_options(stem, lexicon, source) if stem and stem != key else None


def _syncope(key: str) -> Iterator[str]:
    """Singulars of a plural whose e fell before its ending ("sykler", "cykler", "nycklar"): with
    the ending cut and the e put back, with and without the consonant before it doubled."""
    for ending, restored in (("ler", "el"), ("lar", "el"), ("ner", "en"), ("nar", "en"), ("rer", "er"), ("rar", "er")):
        if key.endswith(ending) and len(key) > len(ending) + 2:
            base = key[: -len(ending)]
            yield base + restored
            if base[-1] not in "aeiouyæøåäö":
                yield base + base[-1] + restored


def _bare_stem(word: str, source: str) -> Segment | None:
    """An unknown word of an agglutinative language as its stem without accents, still unknown.

    Such languages stack suffixes on loanwords ("Epilatörler", "Adaptörleri", "Spalar"): as
    written they match nothing, as "epilator", "adaptor", "spa" they match an English title."""
    if source not in AGGLUTINATIVE or not word.isalpha():
        return None
    stem = snowball_stem(source, word)
    if stem is None or len(stem) < MIN_BARE_STEM or stem == word.lower():
        return None
    return Segment(word, [(fold(stem), 1.0)], False)


def _part_options(word: str, lexicon: Lexicon, source: str, *, looked_up: bool = False) -> list[tuple[str, float]] | None:
    """Translations of one word or hyphen piece: as written, else as a compound of known parts."""
    found = None if looked_up else lexicon.lookup(word)
    if found or len(word) < 6:
        return found
    if source in LINKED_COMPOUNDING:
        halves = split_linked(word, lexicon.lookup)
        if halves is None:
            return None
        slots = [halves[1], halves[0]] if lexicon.target in ROMANCE else list(halves)
        return [(" ".join(p), w) for p, w in combine(slots, 3)]
    if source not in COMPOUNDING:
        return found
    parts = split_compound(normalize_term(word), lambda p: _compound_part(p, lexicon) is not None)
    if not parts:
        return None
    if lexicon.target in ROMANCE:
        parts = parts[::-1]  # "Laufschuhe" -> "calzado (de) carrera", head first
    return [(" ".join(p), w) for p, w in combine([_compound_part(p, lexicon) or [] for p in parts], 3)]


def _compound_part(part: str, lexicon: Lexicon) -> list[tuple[str, float]] | None:
    # A German compound may start with a verb stem: "Bohr|zubehör" (bohren), "Wasch|maschine"
    # (waschen), "Schärf|geräte" (schärfen). Nouns and linked forms come first.
    found = lexicon.lookup(part) or lexicon.lookup(part + "en")
    # No compound is built of articles or prepositions: "Boulder|matten" cut as
    # "boul|der|matten" read "der" as "the".
    if found and (part in DROPPED.get(lexicon.source, ()) or _only_function_words(found)):
        return None
    return found


def _split_elisions(words: list[str], lexicon: Lexicon) -> list[str]:
    out: list[str] = []
    for word in words:
        match = _ELISION.match(word)
        if match and lexicon.lookup(word) is None:
            out.extend([match.group(1) + "'", match.group(2)])
        else:
            out.append(word)
    return out


def segment(text: str, lexicon: Lexicon, protected: frozenset[str] = frozenset()) -> list[Segment]:
    """Cut ``text`` into segments with their translations in ``lexicon``; ``protected`` words
    (brand names an earlier step did not know) pass through unchanged."""
    source = lexicon.source
    segments: list[Segment] = []
    words: list[str] = []

    def flush() -> None:
        if words:
            cleaned = _split_elisions(words, lexicon) if source in ROMANCE else words
            segments.extend(_word_segments(cleaned, lexicon, source, protected))
            words.clear()

    for token in tokenize(text):
        if token.kind == "word":
            words.append(token.text)
            continue
        flush()
        segments.extend(_cjk_segments(token, lexicon) if token.kind == "cjk" else [_punctuation(token.text, lexicon)])
    flush()
    return segments


def _punctuation(mark: str, lexicon: Lexicon) -> Segment:
    # Outside Chinese and Japanese the middle dot of a list is written as a slash.
    return _passthrough("/" if mark == "・" and lexicon.target not in ("zh", "ja") else mark, "other")


def _cjk_segments(token: Token, lexicon: Lexicon) -> list[Segment]:
    def known(piece: str) -> bool:
        # A lone katakana or the long-vowel mark is a letter, not a word: dictionaries list them
        # ("ー": long vowel mark), and an unknown loanword cut into them reads as nonsense.
        return not (len(piece) == 1 and is_katakana(piece)) and normalize_term(piece) in lexicon

    segments = []
    for piece in max_match(token.text, known, lexicon.max_chars):
        options = lexicon.get(normalize_term(piece))
        segments.append(Segment(piece, options, True, "cjk") if options else _passthrough(piece, "cjk"))
    return segments


def drop_function_words(segments: list[Segment], source: str, target: str | None = None) -> list[Segment]:
    """Leave out articles and particles, and, translating a language without curated word lists
    into English, every known word whose best translation is a function word, unless nothing
    else is left."""
    dropped = DROPPED.get(source, frozenset())
    # Languages with word-order rules keep their prepositions: reordering reads them
    # ("accessoires pour haches" -> "accessories for axes"); CJK particles are listed above.
    by_translation = target == "en" and source not in BREAKERS and source not in ("zh", "ja")
    kept = [s for s in segments if normalize_term(s.source) not in dropped
            and not (by_translation and _is_function_word(s))]
    return kept if any(s.kind != "other" for s in kept) else segments


def _is_function_word(segment: Segment) -> bool:
    return segment.known and segment.kind == "word" and _only_function_words(segment.options)


def _only_function_words(options: list[tuple[str, float]]) -> bool:
    """Whether the best of ``options`` is English function words only ("until", "at")."""
    best = options[0][0].lower().split() if options else []
    return bool(best) and all(word in ENGLISH_FUNCTION_WORDS for word in best)


def join(parts: list[str], target: str) -> str:
    """Put translated pieces together: no space between CJK pieces (跑鞋 + 黑色), nor before
    commas; a space between CJK and Latin or digits ("Nike 跑鞋 42")."""
    out = ""
    cjk_target = target in ("zh", "ja")
    for part in parts:
        if not part:
            continue
        tight = (
            not out
            or part[0] in _NO_SPACE_BEFORE
            or out[-1] in _NO_SPACE_AFTER
            or (cjk_target and is_cjk(out[-1]) and is_cjk(part[0]))
        )
        out += part if tight else f" {part}"
    return out


def known_share(text: str, lexicon: Lexicon, same_in_target: Callable[[str], bool] | None = None) -> float:
    """The share of ``text``'s words (CJK pieces count as words) that ``lexicon`` translates.

    A word that passes through unchanged is rightly translated where it is written the same in
    the target language: model numbers and Latin acronyms ("GPS", "4K"), and words that
    ``same_in_target`` knows (an English loanword such as "Bagels" or "paintball")."""
    words = [s for s in segment(text, lexicon) if s.kind != "other"]

    def translated(s: Segment) -> bool:
        # Only Latin-letter acronyms: "КПК" is as much a word to translate as any other.
        return s.known or (s.kind == "word" and ((s.source.isascii() and keep_as_is(s.source)) or (
            same_in_target is not None and same_in_target(s.source))))

    return sum(map(translated, words)) / len(words) if words else 1.0


def passed_through(text: str, lexicon: Lexicon) -> frozenset[str]:
    """The words of ``text`` that ``lexicon`` leaves unchanged (names, brands, unknown words)."""
    return frozenset(s.source for s in segment(text, lexicon) if not s.known and s.kind == "word")


def translate_with(
    lexicon: Lexicon,
    text: str,
    k: int,
    target_words: Callable[[str], bool] | None = None,
    protected: frozenset[str] = frozenset(),
) -> list[tuple[str, float]]:
    """Up to ``k`` translations of ``text`` with ``lexicon``, best first, the best at 1.0.

    ``target_words`` tells whether a word exists in the target language; with it, German
    output joins nouns into the compounds it knows ("Küche" + "Messer" -> "Küchenmesser").
    ``protected`` words pass through unchanged.
    """
    source, target = lexicon.source, lexicon.target
    segments = drop_function_words(segment(text, lexicon, protected), source, target)
    if source in ROMANCE and target not in ROMANCE:
        segments = reorder_romance(segments, source, k)
    if (source in ROMANCE) != (target in ROMANCE):
        segments = reverse_modifiers(segments, source)
    if target in COMPOUNDING and target_words is not None:
        segments = join_compounds(segments, target_words, k)
    # Whole-phrase matches beat word-by-word ones and unknown words cost most; this only
    # ranks the alternatives of a pivot step, since one text's alternatives share segments.
    words = [s for s in segments if s.kind != "other"]
    confidence = SEGMENT_FACTOR ** max(0, sum(s.known for s in words) - 1)
    confidence *= UNKNOWN_FACTOR ** sum(not s.known and s.kind == "word" for s in words)
    combos = combine([s.options for s in segments], k)
    results = [(join(parts, target), weight * confidence) for parts, weight in combos]
    return results or [(text, 1.0)]
