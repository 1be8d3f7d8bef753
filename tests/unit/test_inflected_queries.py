"""Dictionaries list lemmas, shoppers type inflected words and prepositions: stem look-ups and
function words translated into English."""

from __future__ import annotations

from translation.compose import translate_with
from translation.lexicon import STEM_FACTOR, Lexicon, fold, pack


def _lexicon(source: str, entries: dict[str, list[tuple[str, float]]], target: str = "en") -> Lexicon:
    return Lexicon(source, target, {k: pack(v) for k, v in entries.items()})


POLISH = _lexicon("pl", {
    "napój": [("beverage", 1.0), ("drink", 0.8)],
    "gazowany": [("carbonated", 1.0)],
    "gazownia": [("gasworks", 1.0)],
    "do": [("until", 1.0), ("to", 0.9)],
    "na": [("at", 1.0), ("on", 0.9)],
    "pojemnik": [("container", 1.0)],
    "śmieci": [("trash", 1.0)],
})


def test_folding_removes_accents_and_polish_letters() -> None:
    assert fold("Węże") == "weze" and fold("napój") == "napoj" and fold("Łódź") == "lodz"


def test_an_inflected_word_finds_its_lemma_by_stem() -> None:
    found = POLISH.stem_lookup("napoje")
    assert found is not None and found[0] == ("beverage", STEM_FACTOR)
    # The shortest headword sharing the longest stem wins: "gazowane" is "gazowany", not "gazownia".
    assert POLISH.stem_lookup("gazowane")[0][0] == "carbonated"


def test_stems_stay_long_enough_and_skip_languages_that_split_compounds() -> None:
    assert POLISH.stem_lookup("nap") is None  # too short to cut
    assert POLISH.stem_lookup("xyzowane") is None
    german = _lexicon("de", {"laufschuh": [("running shoe", 1.0)]})
    assert german.stem_lookup("laufschuhen") is None  # German compounds are split, not stemmed


def test_inflected_words_are_translated_and_prepositions_left_out() -> None:
    best = translate_with(POLISH, "Napoje gazowane", 3)[0][0]
    assert set(best.split()) == {"beverage", "carbonated"}
    best = translate_with(POLISH, "pojemnik na śmieci", 3)[0][0]
    assert "at" not in best.split() and {"container", "trash"} <= set(best.split())


def test_a_lone_function_word_is_still_translated() -> None:
    # Nothing else left: the preposition is all the shopper typed.
    assert translate_with(POLISH, "do", 3)[0][0] == "until"


def test_snowball_stems_find_the_lemma_where_the_language_has_a_stemmer() -> None:
    # "gazowanych" (genitive plural) and "gazowany" share the Snowball stem; the prefix rule
    # alone would cut too deep to tell "gazowany" from "gazownia" reliably.
    found = POLISH.stem_lookup("gazowanych")
    assert found is not None and found[0][0] == "carbonated"
    swahili = _lexicon("sw", {"kiatu": [("shoe", 1.0)]})
    assert swahili.stem_lookup("viatu") is None  # no stemmer and no shared prefix: unknown stays unknown


def test_the_stem_indexes_are_built_once_and_cached_beside_the_lexicon(tmp_path, monkeypatch) -> None:
    from translation import lexicon as lexicon_module

    path = tmp_path / "dictionary" / "pl-en-1.pickle"
    lexicon_module.save_cached(path, _lexicon("pl", {"gazowany": [("carbonated", 1.0)], "napój": [("drink", 1.0)]}))
    first = lexicon_module.load_cached(path)
    assert first.stem_lookup("gazowanych")[0][0] == "carbonated"  # by Snowball stem
    assert first.prefix_lookup("napoje")[0][0] == "drink"  # by folded prefix
    assert {p.name for p in path.parent.glob("*.pickle")} == {
        "pl-en-1.pickle", "pl-en-1.snowball.pickle", "pl-en-1.prefix.pickle"}

    built: list[str] = []
    for name in ("_stem_headwords", "_fold_headwords"):
        real = getattr(Lexicon, name)
        monkeypatch.setattr(Lexicon, name, lambda self, real=real, name=name: built.append(name) or real(self))
    again = lexicon_module.load_cached(path)  # as the next process reads it
    assert again.stem_lookup("gazowanych")[0][0] == "carbonated" and again.prefix_lookup("napoje")[0][0] == "drink"
    assert built == []
    # An index made by another stemmer release is not trusted: it is stemmed again.
    monkeypatch.setattr(lexicon_module, "_SNOWBALL_STAMP", "snowballstemmer 0.0")
    assert lexicon_module.load_cached(path).stem_lookup("gazowanych")[0][0] == "carbonated"
    assert built == ["_stem_headwords"]


def test_stem_indexes_load_ahead_of_the_first_unknown_word(tmp_path) -> None:
    from translation import lexicon as lexicon_module

    path = tmp_path / "dictionary" / "pl-en-1.pickle"
    lexicon_module.save_cached(path, _lexicon("pl", {"gazowany": [("carbonated", 1.0)], "napój": [("drink", 1.0)]}))
    cold = lexicon_module.load_cached(path)
    cold.load_stem_indexes(build=False)  # nothing cached yet, and nothing built
    assert not list(path.parent.glob("*.snowball.pickle")) and not list(path.parent.glob("*.prefix.pickle"))
    lexicon_module.load_cached(path).load_stem_indexes()
    indexes = sorted(path.parent.glob("pl-en-1.*.pickle"))
    assert [p.name for p in indexes] == ["pl-en-1.prefix.pickle", "pl-en-1.snowball.pickle"]

    warm = lexicon_module.load_cached(path)
    warm.load_stem_indexes(build=False)  # as `serve` starts: read now...
    for index in indexes:
        index.unlink()  # ...so the look-ups below cannot be reading them
    assert warm.stem_lookup("gazowanych")[0][0] == "carbonated" and warm.prefix_lookup("napoje")[0][0] == "drink"
    assert not list(path.parent.glob("*.snowball.pickle"))  # used from memory, not built again


def test_look_ups_are_remembered_and_each_caller_gets_its_own_list() -> None:
    lexicon = _lexicon("pl", {"napój": [("beverage", 1.0), ("drink", 0.8)]})
    first = lexicon.lookup("Napój")
    first.append(("spoiled", 0.1))  # a caller's change stays its own
    assert lexicon.lookup("Napój") == [("beverage", 1.0), ("drink", 0.8)]
    assert lexicon._remembered.cache_info().hits == 1
    assert lexicon.lookup("kot") is None and lexicon.lookup("kot") is None
    assert lexicon._remembered.cache_info().hits == 2


def test_a_scandinavian_plural_is_read_by_its_stem_before_a_compound_split() -> None:
    norwegian = _lexicon("nb", {"stol": [("chair", 1.0)], "sto": [("stand", 1.0)], "ler": [("laugh", 1.0)],
                                "sykkel": [("bicycle", 1.0)], "hjelm": [("helmet", 1.0)], "syk": [("ill", 1.0)],
                                "kaffe": [("coffee", 1.0)], "maskin": [("machine", 1.0)]})
    # "stoler" (chairs) is "sto" + "ler" as a compound of known words, but its Snowball stem is "stol".
    assert translate_with(norwegian, "stoler", 3)[0][0] == "chair"
    # "sykler" drops the e of "sykkel" (and one k), which "syk" + "ler" would hide.
    assert translate_with(norwegian, "sykler", 3)[0][0] == "bicycle"
    # A compound in the plural is split by its stem ("kaffemaskin"), its plural head unknown.
    assert translate_with(norwegian, "kaffemaskiner", 3)[0][0] == "coffee machine"
    # A compound whose stem is no headword is still split into its parts.
    assert translate_with(norwegian, "sykkelhjelmer", 3)[0][0] == "bicycle helmet"
    # Dutch splits first, as measured on its dev queries.
    dutch = _lexicon("nl", {"stol": [("chair", 1.0)], "sto": [("stand", 1.0)], "ler": [("laugh", 1.0)]})
    assert translate_with(dutch, "stoler", 3)[0][0] == "stand laugh"
