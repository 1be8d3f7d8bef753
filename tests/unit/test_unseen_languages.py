"""Languages measured as if babelshop had not been built for them (languages.unseen), and the
translator reading only the dictionaries the registry lists, which that measurement relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings
from languages import registry
from languages.unseen import Unseen, UnseenError, as_unseen, check_unseen, unseen_entry
from tests.unit.sample_dictionaries import install, no_wordfreq, write_dictd  # noqa: F401 - an autouse fixture
from translation.dictionary import DictionaryTranslator


def sample_translator(tmp_path: Path, name: str = "cache") -> DictionaryTranslator:
    dict_dirs, cedict_file = install(tmp_path / "data")
    return DictionaryTranslator(Settings(cache_dir=tmp_path / name), dict_dirs=dict_dirs, cedict_path=cedict_file)


def english(translator: DictionaryTranslator, text: str, source: str) -> list[str]:
    return [t.text for t in translator.translate(text, source, "en")]


def test_the_registry_lists_english_and_bridge_dictionaries() -> None:
    assert registry.lists_freedict("nl", "en") and registry.lists_freedict("en", "nl")
    assert registry.lists_freedict("nl", "de")  # a bridge of Dutch's
    assert registry.lists_freedict("de", "nl")
    assert registry.lists_freedict("sv", "de")  # a bridge of Swedish's, a language outside the dev data
    assert not registry.lists_freedict("sv", "tr")  # installed or not, no language uses it
    assert not registry.lists_freedict("xx", "en")


def test_the_translator_reads_no_dictionary_the_registry_does_not_list(tmp_path: Path) -> None:
    folder = tmp_path / "dictd"
    write_dictd(folder, "swe-tur", [("sko", "sko <n>\nayakkabı\n")])
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(folder,))
    assert not translator.supports("sv", "tr")
    write_dictd(folder, "swe-eng", [("sko", "sko <n>\nshoe\n")])
    again = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(folder,))
    assert english(again, "sko", "sv") == ["shoe"]


def test_an_unseen_language_keeps_only_its_freedict_dictionaries() -> None:
    italian = registry.LANGUAGES["it"]
    assert italian.companion and italian.via and any(s.startswith("apertium:") for s in italian.into_en)
    unseen = unseen_entry(italian, "freedict", companion=False)
    assert unseen.into_en == ("dict-freedict-ita-eng",) and unseen.out_of_en == ("dict-freedict-eng-ita",)
    assert unseen.via == () and not unseen.companion
    assert unseen.analyzer == italian.analyzer  # only resources are withheld
    bridged = unseen_entry(italian, "bridges", companion=False)
    assert bridged.sources == unseen.sources and bridged.via == italian.via
    assert all(s.startswith("dict-freedict-") for s in bridged.via)
    assert unseen_entry(italian, "none", companion=True).sources == ()
    assert unseen_entry(italian, "none", companion=True).companion
    assert not unseen_entry(registry.LANGUAGES["sv"], "none", companion=True).companion  # USE never read Swedish
    with pytest.raises(UnseenError, match="freedict, bridges, none"):
        unseen_entry(italian, "some", companion=False)  # type: ignore[arg-type]


def test_a_bridge_is_withheld_inside_the_block_and_restored_after(tmp_path: Path) -> None:
    # "aspirateur" is known only through the French-German bridge (fra-deu, then deu-eng).
    assert english(sample_translator(tmp_path, "before"), "aspirateur", "fr") == ["vacuum cleaner"]
    with as_unseen(Unseen(("fr",))) as codes:
        assert codes == ("fr",)
        assert registry.LANGUAGES["fr"].via == ()
        assert not registry.companion_covers("fr")
        assert english(sample_translator(tmp_path, "inside"), "aspirateur", "fr") == ["aspirateur"]
        assert english(sample_translator(tmp_path, "inside2"), "chaussure", "fr") == ["shoe"]  # fra-eng stays
    assert registry.companion_covers("fr")
    assert english(sample_translator(tmp_path, "after"), "aspirateur", "fr") == ["vacuum cleaner"]


def test_without_dictionaries_a_language_is_no_query_language_and_is_not_translated(tmp_path: Path) -> None:
    folder = tmp_path / "dictd"
    write_dictd(folder, "ita-eng", [("scarpa", "scarpa <n>\nshoe\n")])

    def translator(name: str) -> DictionaryTranslator:
        return DictionaryTranslator(Settings(cache_dir=tmp_path / name), dict_dirs=(folder,))

    assert "it" in registry.query_languages(("en",))
    with as_unseen(Unseen(("IT",), dictionaries="none", companion=True)):
        assert "it" not in registry.query_languages(("en",))
        assert registry.companion_covers("it")
        assert not registry.language("it").has_dictionary()
        assert not translator("inside").supports("it", "en")
    assert "it" in registry.query_languages(("en",))
    assert english(translator("after"), "scarpa", "it") == ["shoe"]


def test_check_unseen_refuses_catalog_languages_english_and_unknown_codes() -> None:
    assert check_unseen(["it", "NL", "it"], ("en", "de")) == ("it", "nl")
    with pytest.raises(UnseenError, match="'de' is a catalog language"):
        check_unseen(["de"], ("en", "de"))
    with pytest.raises(UnseenError, match="catalog language"):
        check_unseen(["en"], ("de",))
    with pytest.raises(UnseenError, match="babelshop languages --all"):
        check_unseen(["xx"], ("en",))


def test_a_new_translator_is_shared_with_nothing(tmp_path: Path) -> None:
    from translation import load_translator, new_translator

    settings = Settings(cache_dir=tmp_path)
    shared = load_translator(settings)
    assert load_translator(settings) is shared
    assert new_translator(settings) is not shared and new_translator(settings) is not new_translator(settings)


def test_a_norwegian_compound_is_read_as_its_parts(tmp_path: Path) -> None:
    # Only an English-Norwegian dictionary, read backwards, as Debian ships for Bokmål.
    folder = tmp_path / "dictd"
    write_dictd(folder, "eng-nor", [("bicycle", "bicycle <n>\nsykkel\n"), ("helmet", "helmet <n>\nhjelm\n")])
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(folder,))
    assert english(translator, "sykkel", "nb") == ["bicycle"]
    assert english(translator, "sykkelhjelm", "nb")[0] == "bicycle helmet"


def test_danish_reads_the_words_its_dictionary_lacks_through_norwegian(tmp_path: Path) -> None:
    folder = tmp_path / "dictd"
    write_dictd(folder, "dan-eng", [("sko", "sko <n>\nshoe\n"), ("frokost", "frokost <n>\nlunch\n")])
    write_dictd(folder, "eng-nor", [("vacuum cleaner", "vacuum cleaner <n>\nstøvsuger\n"),
                                    ("breakfast", "breakfast <n>\nfrokost\n")])
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(folder,))
    assert english(translator, "støvsuger", "da") == ["vacuum cleaner"]  # only Norwegian has it
    assert english(translator, "sko", "da") == ["shoe"]
    assert english(translator, "frokost", "da") == ["lunch"]  # a false friend never outvotes Danish's own
    assert english(translator, "støvsuger", "nb") == ["vacuum cleaner"]
    with as_unseen(Unseen(("da",))):  # FreeDict alone: no kin
        alone = DictionaryTranslator(Settings(cache_dir=tmp_path / "alone"), dict_dirs=(folder,))
        assert english(alone, "støvsuger", "da") == ["støvsuger"]
    with as_unseen(Unseen(("da",), dictionaries="bridges")):
        assert registry.LANGUAGES["da"].kin == ("nb",)
