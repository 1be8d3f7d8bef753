"""Word order and word formation between languages, on translated segments.

Romance noun phrases put the head first ("chaussures de course", "ratón inalámbrico"),
English, German, Chinese and Japanese put it last ("running shoes", "wireless mouse"):
``reorder_romance`` turns "X de Y" into one "Y X" segment and ``reverse_modifiers`` flips
short runs of content words. ``join_compounds`` writes German compounds as one word when
the dictionary knows the result ("Küche" + "Messer" -> "Küchenmesser").
"""

from __future__ import annotations

from collections.abc import Callable

from common.text import normalize_term
from translation.segment import Segment, combine

#: Languages whose noun phrases read "head of modifier" ("chaussures de course").
ROMANCE = frozenset({"fr", "es", "it", "pt", "ca", "ro"})
#: Prepositions that join a Romance compound ("machine à café", "olla a presión", "mașină de spălat").
LINKERS: dict[str, frozenset[str]] = {
    "fr": frozenset({"de", "d'", "à", "du", "des"}),
    "es": frozenset({"de", "a", "del"}),
    "it": frozenset({"di", "da", "a", "del", "della"}),
    "pt": frozenset({"de", "da", "do"}),
    "ca": frozenset({"de", "d'", "del", "dels"}),  # not "a": "per a" is one preposition (for)
    "ro": frozenset({"de", "din"}),
}
#: Words that end a run of modifiers: "toys for children" must not become "children for toys".
BREAKERS: dict[str, frozenset[str]] = {
    "en": frozenset({"for", "with", "without", "in", "on", "of", "by", "to", "from", "and", "or", "&"}),
    "de": frozenset({"für", "mit", "ohne", "in", "auf", "aus", "von", "zu", "und", "oder"}),
    "fr": frozenset({"pour", "avec", "sans", "en", "dans", "sur", "par", "et", "ou", "de", "à"}),
    "es": frozenset({"para", "con", "sin", "en", "sobre", "por", "y", "o", "de", "a"}),
    "it": frozenset({"per", "con", "senza", "in", "su", "e", "o", "di", "da", "a"}),
    "pt": frozenset({"para", "com", "sem", "em", "sobre", "por", "e", "ou", "de"}),
    "ca": frozenset({"per", "amb", "sense", "en", "sobre", "i", "o", "de", "a"}),
    "ro": frozenset({"pentru", "cu", "fără", "în", "pe", "și", "sau", "de", "la", "din"}),
}
#: Languages that write compounds as one word ("Laufschuhe", "sykkelhjelm", "juoksukengät"): an
#: unknown word is read as known parts. Not only the dev data's: a shopper's language nothing was
#: tuned for builds its words the same way.
COMPOUNDING = frozenset({"de", "nl", "sv", "da", "nb", "nn", "is", "af", "fi", "hu"})
#: Linking elements between German compound parts ("Küche-n-messer", "Arbeit-s-schuh").
LINKING = ("", "n", "s", "en", "es", "er")


def keep_as_is(word: str) -> bool:
    """Model numbers and sizes ("XL", "4K", "iPhone15") are the same in every language."""
    return any(map(str.isdigit, word)) or (word.isupper() and len(word) <= 3)


def reorder_romance(segments: list[Segment], source: str, k: int) -> list[Segment]:
    """Turn "X de Y" into one segment "Y X": the English order of a noun compound."""
    linkers = LINKERS.get(source)
    if not linkers:
        return segments
    out: list[Segment] = []
    i = 0
    while i < len(segments):
        seg = segments[i]
        if (
            out
            and out[-1].kind == "word"
            and normalize_term(seg.source) in linkers
            and i + 1 < len(segments)
            and segments[i + 1].kind == "word"
            and not keep_as_is(segments[i + 1].source)
        ):
            head, modifier = out.pop(), segments[i + 1]
            options = [(" ".join(parts), w) for parts, w in combine([modifier.options, head.options], k)]
            out.append(Segment(f"{head.source} {seg.source} {modifier.source}", options, True))
            i += 2
            continue
        out.append(seg)
        i += 1
    return out


def reverse_modifiers(segments: list[Segment], source: str) -> list[Segment]:
    """Flip each run of two or three translated content words ("ratón inalámbrico"). A phrase that
    starts with a breaker ("pour enfants": for children) ends a run like the breaker itself:
    "jouets pour enfants" must not become "for children toys"."""
    breakers = BREAKERS.get(source, frozenset())
    out: list[Segment] = []
    run: list[Segment] = []

    def flush() -> None:
        out.extend(reversed(run) if 2 <= len(run) <= 3 else run)
        run.clear()

    for seg in segments:
        if seg.kind == "word" and seg.known and normalize_term(seg.source).split(" ", 1)[0] not in breakers:
            run.append(seg)
        else:
            flush()
            out.append(seg)
    flush()
    return out


def _stems(word: str) -> list[str]:
    # "Küche" -> "Küch", "Wandern" -> "Wander", "Laufen" -> "Lauf": forms a first part takes.
    # A list, not a set: equally weighted compounds keep the order they were found in, and a
    # set's order changes with each process's string hashing, so workers would disagree.
    stems = [word]
    for ending in ("e", "n", "en"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stems.append(word[: -len(ending)])
    return stems


def join_compounds(segments: list[Segment], known: Callable[[str], bool], k: int) -> list[Segment]:
    """Merge two adjacent translated nouns into the compound the target language has."""
    out: list[Segment] = []
    for seg in segments:
        previous = out[-1] if out else None
        if previous is not None and previous.kind == seg.kind == "word" and previous.known and seg.known:
            compounds: dict[str, float] = {}
            for a, wa in previous.options[:k]:
                for b, wb in seg.options[:k]:
                    if " " in a or " " in b or not (a[:1].isupper() and b[:1].isupper()):
                        continue
                    for stem in _stems(a):
                        for link in LINKING:
                            word = stem + link + b.lower()
                            if known(word):
                                compounds[word] = max(compounds.get(word, 0.0), wa * wb)
            if compounds:
                # Separate words stay as weaker alternatives, in case the compound means more.
                apart = [(" ".join(parts), 0.5 * w) for parts, w in combine([previous.options, seg.options], k)]
                options = sorted([*compounds.items(), *apart], key=lambda item: -item[1])[:k]
                out[-1] = Segment(f"{previous.source} {seg.source}", options, True)
                continue
        out.append(seg)
    return out
