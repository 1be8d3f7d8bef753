"""Chinese synonym sets from CC-CEDICT: headwords that share an English gloss.

    chinese = load_cedict_synsets(settings.cache_dir)
    chinese.lookup("自行车")                           # [("脚踏车", 0.44), ("单车", 0.4)]

Built once from the dictionary, then cached like the WordNet thesaurus.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from common.text import STOPWORDS, normalize_term
from translation import cedict
from translation.base import TranslationError
from translation.wordnet import Thesaurus, ThesaurusError, best_terms, cached_thesaurus, pack_terms

#: Glosses shared by more headwords than this ("to use") are too generic to relate them.
MAX_GLOSS_GROUP = 8
CEDICT_WEIGHT = 0.5
#: Weaker links (homonyms of the English gloss) are dropped.
CEDICT_MIN_WEIGHT = 0.1


def build_cedict_synsets(path: Path | None = None) -> Thesaurus:
    """Chinese headwords that share an English gloss are synonyms (自行车, 单车: "bicycle").

    Only plain senses (no literal/figurative/proper-noun readings), glosses of 1-3 words and
    headwords of two characters or more count; a gloss shared by many headwords ("to use")
    relates nothing. Synonyms sharing several glosses or a character with the term weigh
    more; lone homonym links ("purse": 钱包 and 皱起, to purse the lips) weigh half.
    """
    glosses, priors = _cedict_glosses(path)
    groups: dict[str, list[str]] = defaultdict(list)
    for word, keys in glosses.items():
        if priors[word] > 0:  # simplified forms only: the catalog writes simplified Chinese
            for key in keys:
                groups[key].append(word)
    entries = {}
    for word, keys in glosses.items():
        scores: dict[str, float] = defaultdict(float)
        shared: dict[str, int] = defaultdict(int)
        for i, key in enumerate(keys[:3]):
            group = groups[key]
            if not 2 <= len(group) <= MAX_GLOSS_GROUP:
                continue
            for other in group:
                j = glosses[other].index(key)
                if other == word or j >= 2 or len(other) > len(word) + 3:
                    continue
                scores[other] += 1.0 / ((1 + i) * (1 + j) * math.sqrt(len(group) - 1))
                shared[other] += 1
        # One shared gloss and no shared character may be a homonym of the English word: half weight.
        weights = {other: CEDICT_WEIGHT * min(1.0, score * priors[other]) for other, score in scores.items()}
        for other in weights:
            weights[other] *= 1.0 if shared[other] > 1 or set(other) & set(word) else 0.5
        if best := best_terms(weights, CEDICT_MIN_WEIGHT):
            entries[word] = pack_terms(best)
    return Thesaurus("cedict-synset", entries, by_chars=True)


def _cedict_glosses(path: Path | None) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Headword -> its normalised short glosses in order, and headword -> commonness prior."""
    glosses: dict[str, list[str]] = {}
    priors: dict[str, float] = {}
    for word, senses, prior in cedict.read_entries(path):
        if len(word) < 2:
            continue
        keys: list[str] = []
        for sense, factor in senses:
            if factor != 1.0:
                continue  # literal, figurative or proper-noun readings
            for gloss in sense:
                key = _singular(normalize_term(gloss))
                # Colour and audience glosses relate 红色 to 红心 ("red heart"): no product synonyms.
                if key.count(" ") < 3 and key not in keys and key not in STOPWORDS:
                    keys.append(key)
        if keys:
            glosses[word], priors[word] = keys, prior
    return glosses, priors


def _singular(key: str) -> str:
    # "running shoes" and "running shoe" are one gloss.
    return key[:-1] if key.endswith("s") and not key.endswith("ss") and len(key) > 3 else key


def load_cedict_synsets(cache_dir: Path, path: Path | None = None) -> Thesaurus:
    """The CC-CEDICT synsets from the disk cache, else built and cached."""
    try:
        source = path or cedict.data_path()
    except TranslationError as error:
        raise ThesaurusError(f"Chinese synonyms need CC-CEDICT: {error}") from error
    return cached_thesaurus(cache_dir, "cedict-synset", [source], lambda: build_cedict_synsets(source))
