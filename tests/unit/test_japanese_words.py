"""Japanese queries: words JMdict marks as usually written in kana, loanwords the dictionary
lacks, and the "用" between two nouns, read with a small FreeDict-format dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_dictionaries import no_wordfreq, write_dictd  # noqa: F401 - an autouse fixture

from common.settings import Settings
from translation import dictd
from translation.dictionary import DictionaryTranslator

#: As FreeDict's Japanese-English dictionary writes them: the sense of a word usually written in
#: kana follows its note on the same line, and the index lists the kana reading as a key of its own.
TOY = (" [ichi1]  [news1]  玩具 /x/, 翫具 /x/,  (玩具)  [ichi1]  おもちゃ /o/, がんぐ /g/,  () オモチャ /o/\n"
       "(noun (common) (futsuumeishi))\n\n         Note: word usually written using kana alonetoy, plaything\n")
JPN_ENG = [
    ("玩具", TOY),
    ("おもちゃ", TOY),
    ("箱", " [ichi1]  箱 /h/, はこ /h/\n(noun (common) (futsuumeishi))\nbox, case\n"),
    ("ボール", " [gai1]  ボール /b/\n(noun (common) (futsuumeishi))\nball\n"),
    ("バイク", " [gai1]  バイク /b/\n(noun (common) (futsuumeishi))\nmotorbike, motorcycle\n"),
    ("パーツ", " [gai1]  パーツ /p/\n(noun (common) (futsuumeishi))\nparts, components\n"),
    ("用", " [ichi1]  用 /y/, よう /y/\n(noun (common) (futsuumeishi))\nbusiness, task, errand\n"),
    # Single kana are entries too: a loanword cut into them read as these.
    ("ー", "ー /ー/\n(noun (common) (futsuumeishi))\nlong vowel mark\n"),
    ("テ", "テ /t/\n(noun (common) (futsuumeishi))\nte (katakana)\n"),
    ("ザ", "ザ /z/\n(noun (common) (futsuumeishi))\nthe\n"),
]



@pytest.fixture
def translator(tmp_path: Path) -> DictionaryTranslator:
    folder = tmp_path / "dictd"
    write_dictd(folder, "jpn-eng", JPN_ENG, "Japanese-English FreeDict Dictionary")
    return DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(folder,),
                                cedict_path=tmp_path / "no-cedict.txt")


def best(translator: DictionaryTranslator, text: str) -> str:
    return translator.translate(text, "ja", "en")[0].text


def test_a_sense_written_after_its_note_is_kept() -> None:
    senses, _ = dictd.parse_entry(TOY)
    assert [glosses for glosses, _ in senses] == [("toy", "plaything")]
    numbered = "x /x/\n1. (Ichidan verb)\n\n   Note: archaismto be\n2.\n   Note: abbreviationsmall toy\n"
    assert [glosses for glosses, _ in dictd.parse_entry(numbered)[0]] == [("be",), ("small toy",)]
    # A note with nothing after it, or a note of another kind, is still noise.
    assert dictd.parse_entry("x /x/\n(noun)\n   Note: slang\nshoe\n")[0][0][0] == ("shoe",)
    assert dictd.parse_entry("Schuh /s/ <n>\nshoe\n Note: see also boot\n")[0][0][0] == ("shoe",)


def test_a_word_usually_written_in_kana_translates(translator: DictionaryTranslator) -> None:
    assert best(translator, "おもちゃ") == "toy"
    assert best(translator, "おもちゃ箱") == "toy box"


def test_an_unknown_loanword_is_not_cut_into_single_kana(translator: DictionaryTranslator) -> None:
    # "テザー" is unknown: it passes through whole instead of as "te (katakana) the long vowel mark".
    assert best(translator, "テザーボール") == "テザー ball"


def test_yo_between_two_nouns_is_left_out(translator: DictionaryTranslator) -> None:
    assert best(translator, "バイク用パーツ") == "motorbike parts"
    assert best(translator, "用") == "business"  # alone it is all there is, and stays


def test_the_middle_dot_of_a_list_is_punctuation(translator: DictionaryTranslator) -> None:
    # Not a word the dictionary lacks: the translation is trusted whole, and reads as a list.
    assert translator.coverage("バイク・パーツ", "ja", "en") == 1.0
    assert best(translator, "バイク・パーツ") == "motorbike/parts"
