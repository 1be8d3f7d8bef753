"""Mueller's English-Russian dictionary (Debian's mueller7-dict): its numbered meanings parse into
senses, and the dictionary translator reads it beside FreeDict's, inverted for Russian queries."""

from __future__ import annotations

from sample_dictionaries import write_dictd

from common.settings import Settings
from languages import registry
from translation import mueller
from translation.dictd import DOMAIN_FACTOR
from translation.dictionary import DictionaryTranslator

# Entries written in the dictionary's own layout (transcription, parts of speech, numbered
# meanings, English examples after the translations, idioms under а) and б)).
HAMMER = """hammer
   [ˈhæmə]
   1. _n.
      1) молоток; молот; hammer and sickle серп и молот; throwing of the
      hammer _спорт. метание молота
      2) молоточек (в различных механизмах)
   2. _v.
      1) вбивать, вколачивать (in, into - в); прибивать
      2) _разг. побеждать; hammer out
         а) _тех. выковывать;
         б) _перен. придумывать
"""
HANDLE = """handle
   [ˈhændl]
   1. _n.
      1) ручка, рукоять; рукоятка
      2) удобный случай, предлог и т.п.; to give a handle to smth. дать повод
"""
SAW = """saw
   _I  [sɔː] _n. пила
"""
FEEL = """feel
   [fiːl] _n.
   1) осязание
   2) ощущение
"""


def test_meanings_parse_into_senses_without_examples_or_idioms() -> None:
    senses = mueller.parse_entry(HAMMER)
    assert senses[0] == (("молоток", "молот"), 1.0)  # the example's field mark is not the meaning's
    assert senses[1] == (("молоточек",), 1.0)  # the note in brackets is gone
    assert senses[2] == (("вбивать", "вколачивать", "прибивать"), 1.0)  # English in brackets dropped
    assert senses[3] == (("побеждать",), DOMAIN_FACTOR)  # a colloquial meaning weighs less
    assert len(senses) == 4  # а), б): readings of the idiom "hammer out", not of "hammer"
    assert mueller.parse_entry(HANDLE)[1] == (("удобный случай", "предлог"), 1.0)  # "и т.п." dropped
    assert mueller.parse_entry(SAW) == [(("пила",), 1.0)]  # homonym mark and one-line entry


def test_the_registry_lists_it_for_russian_and_make_installs_it() -> None:
    assert registry.MUELLER in registry.language("ru").out_of_en
    assert registry.MUELLER in registry.debian_packages()
    assert registry.is_debian_package(registry.MUELLER) and not registry.is_debian_package(registry.CEDICT)


def test_russian_queries_are_translated_through_it(tmp_path) -> None:
    dictd = tmp_path / "dictd"
    write_dictd(dictd, "", [("hammer", HAMMER), ("handle", HANDLE), ("saw", SAW), ("feel", FEEL)],
                "Mueller English-Russian Dictionary", file_name=mueller.FILE)
    assert registry.dictd_prefix(registry.MUELLER, (dictd,)) == dictd / mueller.FILE
    translator = DictionaryTranslator(Settings(cache_dir=tmp_path / "cache"), dict_dirs=(dictd,))
    assert translator.supports("ru", "en") and translator.supports("en", "ru")
    assert translator.translate("ручка", "ru", "en")[0].text == "handle"
    assert translator.translate("молотки", "ru", "en")[0].text == "hammer"  # by its lemma
    assert translator.translate("saw", "en", "ru")[0].text == "пила"
