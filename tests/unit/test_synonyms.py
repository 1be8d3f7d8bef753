"""Synonym expansion: the Solr-file parser and rules, WordNet and CC-CEDICT thesauri (on tiny
hand-written files and on the installed data), the expander's bounds, weights and
deduplication, and its speed once warm.

The installed thesauri are cached in pytest's cache folder, so only the first run parses
WordNet and CC-CEDICT (about ten seconds); a fake translator stands in for the dictionaries.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from common.settings import Settings
from query_rewriter import synonyms
from query_rewriter.synonym_files import (
    SYNONYM_DIR,
    SYNONYM_FILE_WEIGHT,
    SynonymFileError,
    SynonymRules,
    parse_solr_synonyms,
)
from query_rewriter.synonyms import MAX_TOTAL, Expander, Expansion, expand, matches
from translation import Translation, TranslationError, Translator
from translation.cedict_synsets import build_cedict_synsets, load_cedict_synsets
from translation.wordnet import (
    Thesaurus,
    ThesaurusError,
    build_wordnet,
    load_wordnet,
)

LANGS = ("en", "zh", "de", "es", "fr", "ja")


class FakeTranslator(Translator):
    """Answers from a table ``(text, source, target) -> [(translation, weight)]``; anything else
    comes back unchanged, like the dictionary translator with an unknown word."""

    id = "fake"

    def __init__(self, table: dict[tuple[str, str, str], list[tuple[str, float]]] | None = None,
                 unsupported: tuple[str, ...] = ()) -> None:  # fmt: skip
        super().__init__(cache_size=0)
        self.table, self.unsupported = table or {}, unsupported

    def _translate_batch(self, texts, source, target, max_candidates):
        if target in self.unsupported:
            raise TranslationError(f"no dictionary for {source}->{target}")
        return [[Translation(t, w) for t, w in self.table.get((text, source, target), [(text, 1.0)])] for text in texts]


def expander(tmp_path: Path, rules: dict[str, str] | None = None, thesauri: dict[str, Thesaurus] | None = None,
             translator: Translator | None = None, languages: tuple[str, ...] = LANGS) -> Expander:  # fmt: skip
    folder = tmp_path / "synonyms"
    folder.mkdir(exist_ok=True)
    for lang, text in (rules or {}).items():
        (folder / f"{lang}.txt").write_text(text, encoding="utf-8")
    settings = Settings(cache_dir=tmp_path / "cache", catalog_languages=languages)
    return Expander(settings, translator=translator or FakeTranslator(), thesauri=thesauri or {}, synonym_dir=folder)


def texts(found: list[Expansion]) -> list[str]:
    return [e.text for e in found]


# -- Solr synonym files -------------------------------------------------------------------------


def test_the_parser_reads_equivalences_one_way_rules_and_skips_comments() -> None:
    text = "# a comment\n\n  sneakers, trainers ,running  shoes\ntorch => torch, flashlight\na\\,b, c\n"
    assert parse_solr_synonyms(text) == [
        (("sneakers", "trainers", "running shoes"), ("sneakers", "trainers", "running shoes")),
        (("torch",), ("torch", "flashlight")),
        (("a,b", "c"), ("a,b", "c")),
    ]


@pytest.mark.parametrize(("line", "problem"), [("a, , b", "empty term"), ("a => b => c", "more than one"),
                                               ("=> b", "empty term"), ("a,", "empty term")])  # fmt: skip
def test_the_parser_names_the_file_and_line_of_invalid_rules(line: str, problem: str) -> None:
    with pytest.raises(SynonymFileError, match=rf"en\.txt:2: .*{problem}"):
        parse_solr_synonyms(f"# ok\n{line}\n", "en.txt")


def test_rules_are_symmetric_for_lists_and_directed_for_arrows() -> None:
    text = "tv, television\ntorch => torch, flashlight\nwristwatch => watch\nrunning shoes, sneakers"
    rules = SynonymRules("en", parse_solr_synonyms(text))
    assert rules.lookup("TV") == [("television", SYNONYM_FILE_WEIGHT)]
    assert texts_of(rules.lookup("television")) == ["tv"]
    assert texts_of(rules.lookup("torch")) == ["flashlight"]
    assert rules.lookup("flashlight") == []  # one way only
    assert texts_of(rules.lookup("wristwatch")) == ["watch"]
    assert rules.lookup("watch") == []
    assert texts_of(rules.lookup("Running Shoe")) == ["sneakers"]  # the singular finds the plural's rule


def texts_of(pairs: list[tuple[str, float]]) -> list[str]:
    return [t for t, _ in pairs]


@pytest.mark.parametrize("lang", LANGS)
def test_the_bundled_synonym_files_are_valid_solr_for_opensearch(lang: str) -> None:
    path = SYNONYM_DIR / f"{lang}.txt"
    assert path.is_file(), f"{path} is missing"
    rules = parse_solr_synonyms(path.read_text(encoding="utf-8"), str(path))
    assert 10 <= len(rules) <= 30
    for inputs, outputs in rules:
        for term in (*inputs, *outputs):
            assert term and not set(term) & set('"“”«»'), f"{path}: {term!r} is empty or quoted"
    listed = [t.casefold() for inputs, outputs in rules if inputs == outputs for t in inputs]
    assert len(listed) == len(set(listed)), f"{path}: a term is in two equivalence lists"


# -- WordNet on a tiny database ------------------------------------------------------------------

LICENCE = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University\n"
DATA_NOUN = """\
00000001 06 n 03 sofa 0 couch 0 lounge 1 000 | an upholstered seat for more than one person
00000002 06 n 02 laptop 0 laptop_computer 0 000 | a portable computer
00000003 06 n 02 notebook 0 notebook_computer 0 000 | a small compact portable computer
00000004 10 n 01 notebook 0 000 | a book with blank pages
00000005 18 n 02 sneaker 0 sneak 0 000 | someone acting in a furtive way
00000006 06 n 03 gym_shoe 0 sneaker 1 tennis_shoe 0 000 | a canvas shoe with a rubber sole
00000007 06 n 02 mouse 0 computer_mouse 0 000 | a hand-operated pointing device
00000008 05 n 01 mouse 0 000 | a small rodent
00000009 06 n 03 tv 0 television_receiver 0 Goggle_Box 0 000 | a device that receives television signals
00000010 06 n 02 running_shoe 0 trainer 0 000 | a shoe for running
00000011 06 n 02 cup 0 cupful 0 000 | a small open container
"""
INDEX_NOUN = """\
sofa n 1 0 1 1 00000001
couch n 1 0 1 1 00000001
lounge n 1 0 1 0 00000001
laptop n 1 0 1 0 00000002
laptop_computer n 1 0 1 0 00000002
notebook n 2 2 @ ~ 2 1 00000004 00000003
notebook_computer n 1 0 1 0 00000003
sneaker n 2 0 2 1 00000006 00000005
mouse n 2 0 2 1 00000008 00000007
computer_mouse n 1 0 1 0 00000007
tv n 1 0 1 1 00000009
running_shoe n 1 0 1 0 00000010
cup n 1 0 1 1 00000011
"""
DATA_ADJ = """\
00000101 00 a 02 cheap 0 inexpensive 0 000 | relatively low in price
00000102 00 s 06 red(a) 0 reddish 0 ruddy 0 carmine 0 crimson 0 scarlet 0 000 | of a red colour
"""
INDEX_ADJ = "cheap a 1 0 1 1 00000101\ninexpensive a 1 0 1 1 00000101\nred a 1 0 1 1 00000102\n"


@pytest.fixture
def tiny_wordnet(tmp_path: Path) -> Path:
    folder = tmp_path / "wordnet"
    folder.mkdir()
    for name, text in {"data.noun": LICENCE + DATA_NOUN, "index.noun": LICENCE + INDEX_NOUN, "data.adj": DATA_ADJ,
                       "index.adj": INDEX_ADJ, "noun.exc": "mice mouse\n",
                       "cntlist.rev": "lounge%1:06:01:: 1 9\ncouch%1:06:00:: 1 2\n"}.items():  # fmt: skip
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_wordnet_gives_the_lemmas_of_a_terms_frequent_senses(tiny_wordnet: Path) -> None:
    wordnet = build_wordnet(tiny_wordnet)
    assert wordnet.lookup("sofa") == [("lounge", 0.6), ("couch", 0.582)]  # tagged more often: first
    assert wordnet.lookup("laptop") == [("laptop computer", 0.6)]
    assert wordnet.lookup("cheap") == [("inexpensive", 0.5)]
    assert wordnet.lookup("tv") == [("television receiver", 0.6)]  # "Goggle Box" is a proper noun


def test_wordnet_skips_rare_and_non_product_senses_and_ranks_later_ones_lower(tiny_wordnet: Path) -> None:
    wordnet = build_wordnet(tiny_wordnet)
    assert texts_of(wordnet.lookup("sneaker")) == ["gym shoe", "tennis shoe"]  # not "sneak", the person
    [(text, weight)] = wordnet.lookup("notebook")
    assert text == "notebook computer" and weight < 0.6  # an untagged, second sense
    assert wordnet.lookup("red") == []  # a cluster of shades, not synonyms
    assert wordnet.lookup("cup") == []  # "cupful" only derives from the word


def test_wordnet_lookup_finds_inflected_forms_and_phrases(tiny_wordnet: Path) -> None:
    wordnet = build_wordnet(tiny_wordnet)
    assert texts_of(wordnet.lookup("Sofas")) == ["lounge", "couch"]
    assert texts_of(wordnet.lookup("mice")) == ["computer mouse"]
    assert texts_of(wordnet.lookup("running shoes")) == ["trainer"]
    assert wordnet.lookup("qwxzy") == []


def test_a_missing_wordnet_names_the_package_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    with pytest.raises(ThesaurusError, match=r"apt-get install -y wordnet-base"):
        build_wordnet(tmp_path / "nowhere")
    monkeypatch.setattr(synonyms, "load_wordnet", lambda cache_dir: load_wordnet(cache_dir, tmp_path / "nowhere"))
    settings = Settings(cache_dir=tmp_path, synonyms_dir=tmp_path)
    lenient = Expander(settings, translator=FakeTranslator())
    assert lenient.expand("sofa", "en", languages=["en"]) == {}  # goes on without English synonyms
    assert "apt-get install -y wordnet-base" in caplog.text
    with pytest.raises(ThesaurusError, match=r"apt-get install -y wordnet-base"):
        Expander(settings, translator=FakeTranslator(), strict=True).expand("sofa", "en")


def test_wordnet_is_cached_on_disk_by_source_version(tiny_wordnet: Path, tmp_path: Path) -> None:
    first = load_wordnet(tmp_path / "cache", tiny_wordnet)
    assert len(list((tmp_path / "cache" / "synonyms").glob("wordnet-*.pickle"))) == 1
    assert load_wordnet(tmp_path / "cache", tiny_wordnet).lookup("sofa") == first.lookup("sofa")
    # An upgraded package is another cache entry.
    (tiny_wordnet / "index.noun").write_text(LICENCE + INDEX_NOUN + "settee n 1 0 1 0 00000001\n", encoding="utf-8")
    assert texts_of(load_wordnet(tmp_path / "cache", tiny_wordnet).lookup("settee")) == ["lounge", "couch", "sofa"]
    assert len(list((tmp_path / "cache" / "synonyms").glob("wordnet-*.pickle"))) == 1  # the stale one is gone


# -- CC-CEDICT synsets on a tiny dictionary ------------------------------------------------------

CEDICT = """\
# CC-CEDICT sample
自行車 自行车 [zi4 xing2 che1] /bicycle/bike/CL:輛|辆[liang4]/
單車 单车 [dan1 che1] /bicycle/bike/
腳踏車 脚踏车 [jiao3 ta4 che1] /bicycle/bike/
車 车 [che1] /car/vehicle/bike/
錢包 钱包 [qian2 bao1] /purse/wallet/
錢袋 钱袋 [qian2 dai4] /purse/money bag/
皺起 皱起 [zhou4 qi3] /to purse (lips)/
跑鞋 跑鞋 [pao3 xie2] /running shoes/
跑步鞋 跑步鞋 [pao3 bu4 xie2] /running shoe/
小王 小王 [Xiao3 Wang2] /Xiao Wang (a name)/bike/
紅色 红色 [hong2 se4] /red (color)/revolutionary/
紅心 红心 [hong2 xin1] /red heart-shaped symbol/red/
"""
USE_WORDS = ("使用", "利用", "运用", "应用", "采用", "动用", "施用", "启用", "用到")  # more than MAX_GLOSS_GROUP
CEDICT += "".join(f"{w} {w} [x] /to use/\n" for w in USE_WORDS)


@pytest.fixture
def tiny_cedict(tmp_path: Path) -> Path:
    path = tmp_path / "cedict.txt"
    path.write_text(CEDICT, encoding="utf-8")
    return path


def test_chinese_headwords_sharing_a_gloss_are_synonyms(tiny_cedict: Path) -> None:
    chinese = build_cedict_synsets(tiny_cedict)
    assert set(texts_of(chinese.lookup("自行车"))) == {"单车", "脚踏车"}
    assert texts_of(chinese.lookup("跑鞋")) == ["跑步鞋"]  # "running shoes" and "running shoe" are one gloss
    assert set(texts_of(chinese.lookup("自行車"))) == {"自行车", "单车", "脚踏车"}  # traditional in, simplified out
    assert all(0 < w <= 0.5 for _, w in chinese.lookup("自行车"))


def test_chinese_synsets_leave_out_noise(tiny_cedict: Path) -> None:
    chinese = build_cedict_synsets(tiny_cedict)
    assert "车" not in texts_of(chinese.lookup("单车"))  # one character: a morpheme
    assert "小王" not in texts_of(chinese.lookup("单车"))  # a proper noun's sense
    assert chinese.lookup("使用") == []  # "to use" is shared by too many words to mean anything
    assert chinese.lookup("红色") == []  # colours are no product synonyms ("red": 红心, a red heart)
    weights = dict(chinese.lookup("钱包"))
    # "to purse the lips" is a homonym, and a verb sense: weighed down or left out.
    assert weights["钱袋"] > weights.get("皱起", 0.0)


# -- matching --------------------------------------------------------------------------------------


def test_matching_prefers_the_longest_phrase_and_skips_stopwords() -> None:
    table = {"running shoes": [("sneakers", 0.6)], "shoes": [("footwear", 0.6)], "in": [("inch", 0.6)],
             "red": [("crimson", 0.5)]}  # fmt: skip
    lookup = Thesaurus.of("test", table).lookup
    found = [(span, round(cov, 2)) for span, cov, _ in matches("Shoes in red running shoes", "en", lookup, 3)]
    assert found == [("shoes", 0.2), ("running shoes", 0.4)]  # "in" and "red" are stop words


def test_matching_chinese_and_japanese_works_on_characters_without_cutting_latin_words() -> None:
    lookup = Thesaurus.of("test", {"跑鞋": [("跑步鞋", 0.5)], "pc": [("パソコン", 0.5)]}, by_chars=True).lookup
    assert [span for span, _, _ in matches("红色跑鞋", "zh", lookup, 4)] == ["跑鞋"]
    colours = Thesaurus.of("test", {"红色": [("革命", 0.5)]}, by_chars=True).lookup
    assert list(matches("红色跑鞋", "zh", colours, 4)) == []  # a colour, like "red" in English
    assert [span for span, _, _ in matches("ノートPC", "ja", lookup, 4)] == ["pc"]
    assert [span for span, _, _ in matches("PCB 基板", "ja", lookup, 4)] == []


# -- the expander ----------------------------------------------------------------------------------


def test_same_language_expansions_come_from_rules_and_thesauri_below_the_original(tmp_path: Path) -> None:
    wordnet = Thesaurus.of("wordnet", {"sofa": [("couch", 0.6), ("lounge", 0.58)]})
    found = expander(tmp_path, {"en": "sofa, couch, settee\n"}, {"en": wordnet}).expand("Sofa", "en")
    assert found == {"en": [Expansion("couch", "en", 0.8, "synonym-file"),
                            Expansion("settee", "en", 0.8, "synonym-file"),
                            Expansion("lounge", "en", 0.58, "wordnet")]}  # fmt: skip
    assert found["en"][0].of == "sofa"


def test_cross_language_expansions_are_the_alternatives_beyond_the_best_translation(tmp_path: Path) -> None:
    table = {("Kaffeemaschine", "de", "en"): [("coffee maker", 1.0), ("coffee machine", 0.9), ("Kaffeemaschine", 0.5)]}
    found = expander(tmp_path, translator=FakeTranslator(table)).expand("Kaffeemaschine", "de")
    assert found == {"en": [Expansion("coffee machine", "en", 0.45, "dictionary:de->en")]}


def test_expansions_are_deduplicated_against_the_query_its_phrases_and_the_translation(tmp_path: Path) -> None:
    wordnet = Thesaurus.of("wordnet", {"sofa": [("SOFA", 0.6), ("sofas", 0.6), ("couch", 0.7), ("lounge", 0.5)]})
    table = {("Sofa", "en", "de"): [("Couch", 1.0), ("couch", 0.9), ("sofa", 0.8), ("Kanapee", 0.7)]}
    ex = expander(tmp_path, {"en": "sofa, couch\n"}, {"en": wordnet}, FakeTranslator(table))
    found = ex.expand("Sofa", "en")
    assert found["en"] == [Expansion("couch", "en", 0.8, "synonym-file"), Expansion("lounge", "en", 0.5, "wordnet")]
    assert texts(found["de"]) == ["Kanapee"]  # not the best translation again, nor the query


def test_expansions_are_bounded_per_language_and_in_total(tmp_path: Path) -> None:
    many = Thesaurus.of("wordnet", {"shoe": [(f"shoe {i}", 0.6 - i / 100) for i in range(6)]})
    langs = ("en", "de", "fr", "es", "it", "pt", "nl", "sv")
    table = {("shoe", "en", t): [(f"{t} best", 1.0)] + [(f"{t} {i}", 0.9 - i / 10) for i in range(5)] for t in langs}
    ex = expander(tmp_path, {}, {"en": many}, FakeTranslator(table), languages=langs)
    found = ex.expand("shoe", "en", max_per_lang=3)
    assert all(len(v) <= 3 for v in found.values())
    small = ex.expand("shoe", "en", max_per_lang=10)
    assert sum(map(len, small.values())) <= MAX_TOTAL
    assert len(small["en"]) == 6  # the query's own language is kept whole
    assert all(0 < e.weight < 1 for v in small.values() for e in v)
    assert ex.expand("shoe", "en", languages=["en"], max_per_lang=2) == {"en": found["en"][:2]}


def test_unknown_words_and_empty_queries_give_nothing(tmp_path: Path) -> None:
    ex = expander(tmp_path, {"en": "tv, television\n"}, {"en": Thesaurus.of("wordnet", {"sofa": [("couch", 0.6)]})})
    assert ex.expand("qwxzy", "en") == {}
    assert ex.expand("   ", "en") == {}
    assert ex.expand("the in of", "en") == {}


def test_a_language_the_translator_cannot_reach_is_skipped(tmp_path: Path) -> None:
    table = {("sofa", "en", "fr"): [("canapé", 1.0), ("sofa", 0.8), ("divan", 0.6)]}
    found = expander(tmp_path, translator=FakeTranslator(table, unsupported=("de",))).expand("sofa", "en")
    assert found == {"fr": [Expansion("divan", "fr", 0.3, "dictionary:en->fr")]}


def test_an_edited_synonym_file_is_read_again(tmp_path: Path) -> None:
    ex = expander(tmp_path, {"en": "tv, television\n"})
    assert texts(ex.expand("tv", "en")["en"]) == ["television"]
    path = tmp_path / "synonyms" / "en.txt"
    path.write_text("tv, telly, television set\n", encoding="utf-8")
    assert texts(ex.expand("tv", "en")["en"]) == ["telly", "television set"]


def test_a_broken_synonym_file_is_skipped_unless_strict(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ex = expander(tmp_path, {"en": "tv, , television\n"})
    assert ex.expand("tv", "en") == {}
    assert "en.txt:1" in caplog.text
    ex.strict = True
    ex._resources.clear()
    with pytest.raises(SynonymFileError):
        ex.expand("sofa", "en")


def test_expand_keeps_one_expander_per_settings(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, catalog_languages=("de", "fr"), synonyms_dir=tmp_path / "none")
    first = synonyms.default_expander(settings)
    assert synonyms.default_expander(settings) is first
    first._translator = FakeTranslator({("Handy", "de", "fr"): [("portable", 1.0), ("mobile", 0.8)]})
    assert expand("Handy", "de", settings=settings) == {"fr": [Expansion("mobile", "fr", 0.4, "dictionary:de->fr")]}


# -- the installed data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Thesaurus]:
    cache = getattr(request.config, "cache", None)
    cache_dir = Path(cache.mkdir("babelshop-synonyms")) if cache else tmp_path_factory.mktemp("cache")
    return {"en": load_wordnet(cache_dir), "zh": load_cedict_synsets(cache_dir)}


@pytest.mark.slow
@pytest.mark.parametrize(("term", "expected"), [
    ("sofa", {"couch", "lounge"}), ("laptop", {"laptop computer"}), ("sneakers", {"gym shoe", "tennis shoe"}),
    ("notebook", {"notebook computer"}), ("mice", {"computer mouse"}),
])  # fmt: skip
def test_installed_wordnet(installed: dict[str, Thesaurus], term: str, expected: set[str]) -> None:
    found = installed["en"].lookup(term)
    assert expected <= set(texts_of(found))
    assert all(0 < w < 1 for _, w in found)


@pytest.mark.slow
def test_installed_cedict_synsets(installed: dict[str, Thesaurus]) -> None:
    assert {"单车", "脚踏车"} <= set(texts_of(installed["zh"].lookup("自行车")))
    assert "笔记本计算机" in texts_of(installed["zh"].lookup("笔记本电脑"))


@pytest.mark.slow
def test_warm_expansion_takes_well_under_five_milliseconds(installed: dict[str, Thesaurus], tmp_path: Path) -> None:
    ex = Expander(Settings(cache_dir=tmp_path), translator=FakeTranslator(), thesauri=installed)
    words = ["sofa", "laptop", "sneakers", "backpack", "wallet", "headphones", "camera", "jeans", "dress", "mouse"]
    queries = [(f"{a} {w}", "en") for a in ("cheap", "large", "wireless", "leather", "small") for w in words]
    queries += [(q, "zh") for q in ("自行车", "笔记本电脑", "红色跑鞋", "无线耳机", "男士衬衫", "钱包")]
    queries += [(q, "de") for q in ("Handy Hülle", "Laufschuhe Herren", "Kaffeemaschine")]
    ex.expand("sofa", "en")
    ex.expand("自行车", "zh")  # loads the rules
    started = time.perf_counter()
    for text, lang in queries:  # all different: nothing from the result cache
        ex.expand(text, lang)
    average_ms = (time.perf_counter() - started) * 1000 / len(queries)
    assert average_ms < 5, f"{average_ms:.2f} ms per expansion"
    started = time.perf_counter()
    for text, lang in queries:
        ex.expand(text, lang)
    assert (time.perf_counter() - started) * 1000 / len(queries) < 1  # repeated: from the cache
