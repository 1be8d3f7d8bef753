"""Apertium's data read as dictionaries (translation.apertium): lemmas fed through the installed
analysers and bilingual dictionaries (`make test` installs them with the registry's packages),
merged by the dictionary translator beside FreeDict's into English."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_dictionaries import write_dictd

from common.settings import Settings
from languages import registry
from translation import apertium
from translation.dictionary import DictionaryTranslator

APERTIUM_DIR = Path("/usr/share/apertium")
SPANISH = registry.APERTIUM["apertium:spa-eng"]
FRENCH = registry.APERTIUM["apertium:fr-es+spa-eng"]


def test_only_readings_that_are_the_word_itself_and_read_parts_of_speech_are_kept() -> None:
    analysed = ("^funda/fundar<vblex><pri><p3><sg>/fundir<vblex><prs><p3><sg>$\n"
                "^abadesa/abad<n><f><sg>/abadesa<n><f><sg>$\n^a/a<pr>$\n^cafetera/*cafetera$\n"
                "^claro/claro<adj><m><sg>/claro<n><m><sg>/claro<adv>$\n")
    assert apertium.own_readings(analysed) == {
        "abadesa": ["abadesa<n><f><sg>"],  # not abad ("abbot"), of which it is a form
        "a": ["a<pr>"],
        "claro": ["claro<adj><m><sg>", "claro<n><m><sg>"],  # the adverb is not read
    }


def test_bilingual_answers_keep_the_order_and_drop_unknowns() -> None:
    output = "^mochila<n><f>/backpack<n>/rucksack<n>$\n^xyz<n>/@xyz<n>$\n"
    assert apertium.bilingual_answers(output, 2) == [["backpack<n>", "rucksack<n>"], []]
    with pytest.raises(apertium.TranslationError, match="1 units for 3 asked"):
        apertium.bilingual_answers("^a<n>/b<n>$", 3)
    assert apertium.english_lemma("hold# responsible<vblex>") == "hold responsible"
    assert apertium.english_lemma("air-conditioner<n><sg>") == "air-conditioner"


def test_routes_are_registered_for_languages_with_word_lists() -> None:
    for name, route in registry.APERTIUM.items():
        users = [lang for lang in registry.LANGUAGES.values() if name in (*lang.into_en, *lang.via)]
        assert users, name
        assert all(registry.lemma_code(lang.code) for lang in users), name  # its words come from simplemma
        assert route.packages[-1] == registry.LTTOOLBOX
        assert set(route.packages) <= set(registry.debian_packages())
    assert registry.packages_of(FRENCH.name) == ("apertium-fr-es", "apertium-eng-spa", registry.LTTOOLBOX)
    assert FRENCH.name in registry.language("fr").installed_sources()
    assert FRENCH.root((Path("/nonexistent"),)) is None


def test_spanish_nouns_a_small_dictionary_lacks_are_read() -> None:
    entries = {word: senses for word, senses, _ in apertium.read_entries(SPANISH, APERTIUM_DIR, "es")}
    assert len(entries) > 5000
    assert entries["dispensador"][0] == (("dispenser",), 1.0)
    assert "mochila" in entries and "funda" not in entries  # "funda" is only read as a form of "fundar"


def test_a_route_through_spanish_reaches_english() -> None:
    entries = {word: senses for word, senses, _ in apertium.read_entries(FRENCH, APERTIUM_DIR, "fr")}
    assert "shoe" in entries["chaussure"][0][0]  # chaussure -> zapato -> shoe
    assert all(not any("<" in g or "#" in g for g in glosses) for senses in entries.values() for glosses, _ in senses)


def test_a_language_with_only_apertium_gets_its_prepositions_too() -> None:
    # Romanian has no FreeDict dictionary into English: without "pentru" (for) a query keeps it.
    romanian = registry.APERTIUM["apertium:ro-es+spa-eng"]
    entries = {word: senses for word, senses, _ in apertium.read_entries(romanian, APERTIUM_DIR, "ro")}
    assert entries["pentru"][0][0][0] == "for"
    assert "shoe" in entries["pantof"][0][0]


def test_the_translator_fills_freedicts_gaps_and_keeps_its_first_senses(tmp_path: Path) -> None:
    dictd = tmp_path / "dictd"
    write_dictd(dictd, "spa-eng", [("mochila", "mochila <n, fem>\nbackpack <n>\n")])
    data = tmp_path / "apertium"
    data.mkdir()
    (data / "apertium-eng-spa").symlink_to(APERTIUM_DIR / "apertium-eng-spa")
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(dictd, data))
    assert translator.translate("dispensador", "es", "en")[0].text == "dispenser"
    assert translator.translate("dispensadores", "es", "en")[0].text == "dispenser"  # by its lemma
    mochila = [t.text for t in translator.translate("mochila", "es", "en")]
    assert mochila[0] == "backpack" and "rucksack" in mochila  # FreeDict's sense first, Apertium's beside it
    assert translator.translate("dispenser", "en", "es")[0].text == "dispensador"  # read backwards
    # Without the Apertium folder, the same FreeDict file alone.
    alone = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache2"), dict_dirs=(dictd,))
    assert alone.translate("dispensador", "es", "en")[0].text == "dispensador"


def test_a_bridge_route_reads_norwegian_into_swedish() -> None:
    route = registry.APERTIUM["apertium:nob-swe"]
    assert route.target == "sv" and route.name in registry.language("nb").via
    # Bokmål's analyser feeds the Norwegian-Swedish bilingual dictionary both written forms share.
    assert [f.name for f in route.files(APERTIUM_DIR)] == ["nob-swe.automorf.bin", "nor-swe.autobil.bin"]
    entries = {word: senses for word, senses, _ in apertium.read_entries(route, APERTIUM_DIR, "nb")}
    assert "stekpanna" in entries["stekepanne"][0][0] and "blöja" in entries["bleie"][0][0]
    # Nouns and adjectives only: simplemma leads "deler" (parts) to the verb "delere" (to delete),
    # whose bridged reading would otherwise stand before the noun's.
    assert "del" in entries["del"][0][0] and "delere" not in entries
    # Nor a lemma simplemma also reads as another's form: "leker" (a player) is the plural of
    # "lek" (a game) first.
    assert "lek" in entries and "leker" not in entries


def test_norwegian_reads_the_words_its_dictionary_lacks_through_swedish(tmp_path: Path) -> None:
    dictd = tmp_path / "dictd"
    write_dictd(dictd, "eng-nor", [("tent", "tent\ntelt\n")])
    write_dictd(dictd, "swe-eng", [("stekpanna", "stekpanna\nfrying pan\n"), ("tält", "tält\ncanvas\n")])
    data = tmp_path / "apertium"
    data.mkdir()
    (data / "apertium-swe-nor").symlink_to(APERTIUM_DIR / "apertium-swe-nor")
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(dictd, data))
    assert translator.translate("stekepanne", "nb", "en")[0].text == "frying pan"
    # A word Norwegian's own dictionary has keeps its own reading: the bridge only fills gaps.
    assert [t.text for t in translator.translate("telt", "nb", "en")] == ["tent"]
    # Without the Apertium folder, Norwegian's own dictionary alone does not know the word.
    alone = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache2"), dict_dirs=(dictd,))
    assert alone.translate("stekepanne", "nb", "en")[0].text == "stekepanne"
