"""Languages measured as if babelshop had not been built for them.

Relevance is tuned on the languages the dev data has; a shop's shoppers write in others. Those
get less: no bridge or Apertium dictionaries chosen for them, often no companion-encoder
training, sometimes no dictionary at all. To measure that general case on queries we do have,
:func:`as_unseen` gives dev languages only what an unplanned language gets::

    with as_unseen(Unseen(("it", "nl"), dictionaries="freedict", companion=False)):
        translator = new_translator(settings)  # sees Italian and Dutch as a Swedish query is seen

``dictionaries`` is ``"freedict"`` (the FreeDict dictionaries to and from English, as the
Makefile installs for every registry language, without bridges or other sources),
``"bridges"`` (those, the language's FreeDict dictionaries with German, French or Spanish and
its kin's lexicon: what a language outside the dev data gets where they exist, as Swedish and
Danish do) or
``"none"``; ``companion`` keeps the companion encoder's reading of the original (as for a
language it was trained on but no dictionary covers, like Korean).

Catalog languages are refused: products are translated into them when indexed, so treating
one as unseen would also need the catalog indexed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from languages import registry

Dictionaries = Literal["freedict", "bridges", "none"]
DICTIONARY_LEVELS: tuple[Dictionaries, ...] = ("freedict", "bridges", "none")


class UnseenError(ValueError):
    """A language that cannot be measured as unseen; the message names it and the fix."""


@dataclass(frozen=True)
class Unseen:
    """Which languages to measure as unseen, and what they keep (see :func:`as_unseen`)."""

    languages: tuple[str, ...]
    dictionaries: Dictionaries = "freedict"
    companion: bool = False

    def as_dict(self) -> dict:
        return {"languages": list(self.languages), "dictionaries": self.dictionaries, "companion": self.companion}


def unseen_entry(lang: registry.Language, dictionaries: Dictionaries, companion: bool) -> registry.Language:
    """What a language babelshop was not tuned for would have in the registry."""
    if dictionaries not in DICTIONARY_LEVELS:
        msg = f"Unknown dictionary level {dictionaries!r}: choose one of {', '.join(DICTIONARY_LEVELS)}."
        raise UnseenError(msg)

    def freedict(sources: tuple[str, ...]) -> tuple[str, ...]:
        if dictionaries == "none":
            return ()
        return tuple(s for s in sources if s.startswith("dict-freedict-"))

    bridged = dictionaries == "bridges"
    return replace(lang, into_en=freedict(lang.into_en), out_of_en=freedict(lang.out_of_en),
                   via=freedict(lang.via) if bridged else (), kin=lang.kin if bridged else (),
                   companion=companion and lang.companion)


def check_unseen(codes: Iterable[str], catalog: Iterable[str]) -> tuple[str, ...]:
    """The registry codes of ``codes``; refuses unknown codes, English and catalog languages."""
    catalog_codes = {registry.normalize_code(c) for c in catalog}
    out = []
    for code in codes:
        normalized = registry.normalize_code(code)
        if normalized not in registry.LANGUAGES:
            msg = f"Unknown language {code!r}: `babelshop languages --all` lists the codes babelshop knows."
            raise UnseenError(msg)
        if normalized == registry.PIVOT or normalized in catalog_codes:
            msg = (f"{code!r} is a catalog language: products are translated into it when indexed, so it cannot "
                   f"be measured as unseen without indexing the catalog again. Choose languages outside "
                   f"{', '.join(sorted(catalog_codes))}.")
            raise UnseenError(msg)
        out.append(normalized)
    return tuple(dict.fromkeys(out))


@contextmanager
def as_unseen(spec: Unseen) -> Iterator[tuple[str, ...]]:
    """Within the block, the registry gives ``spec.languages`` only what an unplanned language
    gets; it is restored after it. A translator that has read its dictionaries keeps them: make
    one inside the block (``translation.new_translator``), not the process-wide one."""
    chosen = tuple(dict.fromkeys(registry.normalize_code(c) for c in spec.languages))
    saved = {code: registry.LANGUAGES[code] for code in chosen}
    try:
        for code, entry in saved.items():
            registry.LANGUAGES[code] = unseen_entry(entry, spec.dictionaries, spec.companion)
        registry.installed_dictionaries.cache_clear()
        yield chosen
    finally:
        registry.LANGUAGES.update(saved)
        registry.installed_dictionaries.cache_clear()
