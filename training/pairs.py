"""Training pairs for the encoder: user click logs and pairs mined from bilingual dictionaries.

    user = read_pairs_file(Path("clicks.jsonl"))          # {"query": ..., "product": ...} per line
    mined = mine_dictionary_pairs(["zh", "de"], max_per_lang=20000, seed=13)  # {"zh": [Pair...], ...}
    train, heldout = split_heldout(user + [p for ps in mined.values() for p in ps], 0.05, seed=13)
    examples = training_examples(train)                   # (anchor, positive) texts, no prefixes yet

A mined :class:`Pair` is ``(foreign term, English gloss)``: the headword of a dictionary entry
and the best of its translations (``weigh``), or an English headword of a reverse dictionary
and its best foreign translation. Only short, clean terms are kept, and glosses whose head
noun names a product (``PRODUCT_NOUNS``) are taken before other ones. Each mined pair trains
both directions (foreign query -> English title, English query -> foreign title).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from common.jsonl import json_lines
from common.text import hash_text, normalize_term
from languages import registry
from translation import cedict, dictd
from translation.glosses import weigh

#: Languages with a dictionary to mine (CC-CEDICT for zh, FreeDict for the others).
DICTIONARY_LANGS = ("zh", "de", "es", "fr", "ja")
#: Foreign terms kept per (language, English gloss): synonyms help, 200 compounds of one gloss do not.
MAX_TERMS_PER_GLOSS = 3
#: Entries of lower prior are readings, variants or traditional forms (see dictd/cedict).
MIN_PRIOR = 0.5



def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: General shopping head nouns, singular: a gloss ending in one of them names a product.
PRODUCT_NOUNS = _words("""
accessory adapter album alarm amplifier apron armchair backpack bag ball balloon bandage basket bat bathrobe
battery bead bed bedspread bell belt bench bib bicycle bike bikini binoculars blanket blazer blender blind
blouse board boat bonnet book bookcase bookshelf boot bottle bowl box bra bracelet brush bucket buckle bulb
cabinet cable cake calculator calendar camera candle cap car card carpet cart case chain chair charger
cheese chocolate clip clock cloth coat coffee collar comb computer console container cooker cord cosmetic
costume cot couch cover crayon cream cup cupboard curtain cushion cutlery desk detergent diaper dish dishwasher
doll door drawer dress drill drone drum dryer duvet earphone earring envelope eraser fan faucet fork frame
freezer fridge game garment glass glove glue goggles grill guitar hairdryer hammer handbag hanger hat headphone
heater helmet hoodie hook hose iron jacket jar jeans jersey jewellery jewelry jug kettle key keyboard kit knife
ladder lamp lantern laptop lens lid light lipstick lock lotion magazine maker marker mascara mask mat mattress
microphone microwave mirror mitten mixer monitor mop motorcycle mouse mug nail napkin necklace needle net
notebook oil oven pad padlock paint pan panties pants paper pen pencil perfume phone piano picture pillow pin
plate player plug pot printer projector purse puzzle quilt racket radio rack rake razor refrigerator remote
ring robe rope rucksack rug ruler sack sandal saucepan saw scale scanner scarf scissors screen screw
screwdriver sheet shelf shirt shoe shorts shovel sink skateboard skirt ski slipper smartphone soap sock sofa
speaker spoon stapler stool stove strap stroller suit suitcase sunglasses sweater sweatshirt swimsuit switch
table tablet tape teapot telephone telescope television tent thermometer tie tights tire toaster toilet tool
toothbrush toothpaste torch towel toy tray tripod trousers truck t-shirt umbrella underwear vacuum vase vest
wallet wardrobe washer watch wheel whisk wig window wrench yarn
""")

# Glosses starting with these are grammar, not things ("of", "be invincible", "very good").
_FUNCTION_WORDS = _words("a an and any as at be by for from in into is it not of on one or some that the this "
                         "to very with")
_LATIN_TERM = re.compile(r"^[^\W\d_]+(?:[-' ][^\W\d_]+){0,3}$")  # 1-4 words of letters
_ENGLISH_TERM = re.compile(r"^[a-z][a-z'-]*(?: [a-z][a-z'-]*){0,3}$")  # lower case: no names
_CJK_TERM = re.compile(r"^[\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff\u30fc]{1,8}$")
_PLACEHOLDERS = _words("etw jdm jdn jds jd sth sb qn qch algn alg sich")


@dataclass(frozen=True, slots=True)
class Pair:
    """A query and the product text it should find: ``lang`` is the foreign side, or ``"user"``."""

    query: str
    passage: str
    lang: str
    source: str = "dictionary"  # "dictionary" pairs train both directions, "user" pairs one


class PairsFileError(ValueError):
    """A ``--pairs`` file cannot be read; the message names the file, the line and the fix."""


def read_pairs_file(path: Path) -> list[Pair]:
    """``{"query": ..., "product": ...}`` lines (query, clicked product title); blank lines skipped."""
    if not path.is_file():
        msg = f"{path}: no such file; give a JSONL file of {{\"query\": ..., \"product\": ...}} lines."
        raise PairsFileError(msg)
    pairs = []
    for number, row in json_lines(path, PairsFileError):
        query, product = (row.get("query"), row.get("product")) if isinstance(row, dict) else (None, None)
        if not isinstance(query, str) or not isinstance(product, str) or not query.strip() or not product.strip():
            msg = f"{path}:{number}: needs non-empty string fields \"query\" and \"product\"."
            raise PairsFileError(msg)
        pairs.append(Pair(query.strip(), product.strip(), str(row.get("lang") or "user"), "user"))
    return pairs


def clean_term(term: str, lang: str) -> str | None:
    """``term`` if it is a short, clean headword of ``lang`` (no brackets, digits, abbreviations)."""
    term = term.strip()
    if lang in ("zh", "ja"):
        return term if _CJK_TERM.match(term) else None
    if not _LATIN_TERM.match(term) or len(term) < 2:
        return None
    words = term.replace("-", " ").split()
    if any(w.casefold() in _PLACEHOLDERS for w in words):
        return None  # "etw graphitieren": a verb frame, not a search term
    if any(len(w) > 1 and w.isupper() for w in words):
        return None  # ABS, TV: abbreviations
    return term


def clean_gloss(gloss: str) -> str | None:
    """``gloss`` if it is a lower-case English phrase of 1-4 words that is no grammar word."""
    gloss = gloss.strip()
    if not _ENGLISH_TERM.match(gloss) or len(gloss) < 3:
        return None
    words = gloss.split(" ")
    if words[0] in _FUNCTION_WORDS or words[0] in _PLACEHOLDERS or "or" in words:
        return None  # "or" joins alternatives ("dark or deep green"), not one product
    return gloss


def is_product_gloss(gloss: str) -> bool:
    """Whether the last word of ``gloss``, made singular, is a product head noun."""
    head = gloss.rsplit(" ", 1)[-1]
    forms = {head, head[:-1] if head.endswith("s") else head, head[:-2] if head.endswith("es") else head,
             head[:-3] + "y" if head.endswith("ies") else head}
    return bool(forms & PRODUCT_NOUNS)


def dictionary_candidates(
    lang: str, *, dict_dirs: tuple[Path, ...] = dictd.DICTD_DIRS, cedict_path: Path | None = None
) -> Iterator[tuple[str, str]]:
    """``(foreign term, English gloss)`` from every installed dictionary of ``lang`` and English.

    Raises ``FileNotFoundError`` naming the package to install when ``lang`` has none.
    """
    found = False
    if lang == "zh":
        path = cedict_path or cedict.data_path()  # raises TranslationError with the install hint
        found = True
        yield from _forward(cedict.read_entries(path), lang)
    else:
        # Only the dictionaries the registry lists, as the translator reads them.
        forward, reverse = (dictd.freedict_path(a, b, dict_dirs) if registry.lists_freedict(a, b) else None
                            for a, b in ((lang, "en"), ("en", lang)))
        if forward is not None:
            found = True
            yield from _forward(dictd.read_entries(forward), lang)
        if reverse is not None:
            found = True
            # In en->X dictionaries the headword is English and the translations foreign.
            for english, foreign in _forward(dictd.read_entries(reverse), lang, reverse=True):
                yield foreign, english
    if not found:
        msg = (f"No dictionary of {lang!r} and English is installed: install the Debian package "
               f"{dictd.debian_package(lang, 'en')} (or {dictd.debian_package('en', lang)}), "
               "or leave the language out of --langs.")
        raise FileNotFoundError(msg)


def _forward(entries: Iterable, lang: str, reverse: bool = False) -> Iterator[tuple[str, str]]:
    head_lang = "en" if reverse else lang
    for headword, senses, prior in entries:
        if prior < MIN_PRIOR:
            continue
        ranked = weigh(senses, limit=1)
        if not ranked:
            continue
        head, translation = headword, ranked[0][0]
        if reverse:
            head, translation = clean_gloss(head), clean_term(translation, lang)
        else:
            head, translation = clean_term(head, head_lang), clean_gloss(translation)
        if head and translation and normalize_term(head) != normalize_term(translation):
            yield head, translation


def mine_dictionary_pairs(
    langs: Iterable[str],
    *,
    max_per_lang: int = 20000,
    seed: int = 13,
    dict_dirs: tuple[Path, ...] = dictd.DICTD_DIRS,
    cedict_path: Path | None = None,
) -> dict[str, list[Pair]]:
    """Up to ``max_per_lang`` deduplicated pairs per language, product glosses first, shuffled by ``seed``."""
    mined: dict[str, list[Pair]] = {}
    for lang in langs:
        seen: set[str] = set()
        per_gloss: dict[str, int] = {}
        product, other = [], []
        for foreign, english in dictionary_candidates(lang, dict_dirs=dict_dirs, cedict_path=cedict_path):
            key, gloss_key = normalize_term(foreign), normalize_term(english)
            if key in seen or per_gloss.get(gloss_key, 0) >= MAX_TERMS_PER_GLOSS:
                continue  # the forward dictionary comes first, so its gloss wins
            seen.add(key)
            per_gloss[gloss_key] = per_gloss.get(gloss_key, 0) + 1
            # German nouns are capitalised: outside the product list, keep to nouns there.
            if is_product_gloss(english):
                product.append(Pair(foreign, english, lang))
            elif lang != "de" or foreign[:1].isupper():
                other.append(Pair(foreign, english, lang))
        rng = random.Random(f"{seed}:{lang}")
        rng.shuffle(product)
        rng.shuffle(other)
        chosen = (product + other)[:max_per_lang]
        rng.shuffle(chosen)
        mined[lang] = chosen
    return mined


def dedupe(pairs: Iterable[Pair]) -> list[Pair]:
    """Pairs with the same normalised query and passage once, first occurrence kept."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for pair in pairs:
        key = (normalize_term(pair.query), normalize_term(pair.passage))
        if key not in seen:
            seen.add(key)
            unique.append(pair)
    return unique


def split_heldout(
    pairs: list[Pair], fraction: float = 0.05, *, seed: int = 13, max_heldout: int | None = None
) -> tuple[list[Pair], list[Pair]]:
    """``(train, heldout)``: whole passages (English glosses, product titles) go to one side.

    Holding out by passage means a held-out gloss was never a training target, in any
    language, so the metric measures generalisation rather than memory. ``max_heldout``
    caps the held-out pairs (evenly over languages); the surplus is dropped, not trained on.
    """
    if not 0 <= fraction < 1:
        msg = f"The held-out fraction must be in [0, 1), got {fraction}: try 0.05."
        raise ValueError(msg)
    threshold = int(fraction * 10**6)
    train, heldout = [], []
    for pair in pairs:
        side = hash_text(f"{seed}|{normalize_term(pair.passage)}") % 10**6 < threshold
        (heldout if side else train).append(pair)
    if max_heldout is not None and len(heldout) > max_heldout:
        langs = sorted({p.lang for p in heldout})
        share = max(1, max_heldout // len(langs))
        heldout = [p for lang in langs for p in [q for q in heldout if q.lang == lang][:share]]
    return train, heldout


def training_examples(pairs: Iterable[Pair]) -> list[tuple[str, str]]:
    """``(anchor, positive)`` texts: dictionary pairs in both directions, user pairs as given."""
    examples = []
    for pair in pairs:
        examples.append((pair.query, pair.passage))
        if pair.source == "dictionary":
            examples.append((pair.passage, pair.query))
    return examples
