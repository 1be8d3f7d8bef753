"""Small dictionaries written in the real formats (dictd, CC-CEDICT) for the dictionary tests."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from translation import frequency

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@pytest.fixture(autouse=True)
def no_wordfreq(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rankings in the dictionary tests must not depend on whether the optional wordfreq package
    is installed. Autouse in each test module that imports it."""
    monkeypatch.setattr(frequency, "available", lambda lang: False)
    monkeypatch.setattr(frequency, "zipf", lambda text, lang: None)


def b64(number: int) -> str:
    """dictd's base64 number encoding."""
    digits = ""
    while True:
        digits = _B64[number % 64] + digits
        number //= 64
        if number == 0:
            return digits


def write_dictd(folder: Path, name: str, entries: list[tuple[str, str]], short: str = "FreeDict dictionary",
                file_name: str | None = None) -> Path:
    """Write ``freedict-NAME.index`` and ``.dict.dz`` (or ``FILE_NAME.*``); return the path prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    body = b""
    lines = []
    for headword, text in [("00databaseshort", f"{short}\n"), *entries]:
        data = text.encode("utf-8")
        lines.append(f"{headword.lower()}\t{b64(len(body))}\t{b64(len(data))}")
        body += data
    prefix = folder / (file_name or f"freedict-{name}")
    prefix.with_name(prefix.name + ".index").write_text("\n".join(lines) + "\n", encoding="utf-8")
    prefix.with_name(prefix.name + ".dict.dz").write_bytes(gzip.compress(body))
    return prefix


DEU_ENG = [
    ("Laufschuh", "Laufschuh /lˈaʊfʃuː/ <masc, n, sg>\nrunning shoe <n>\n see: {Laufschuhe}\n\n"),
    ("Laufschuhe", "Laufschuhe /lˈaʊfʃuːə/ <pl>\nrunning shoes\n"),
    ("Kaffeemaschine", "Kaffeemaschine /k/ <fem, n, sg>\n [cook.] coffee making machine <n>, coffee maker <n>, "
     "coffee machine <n>\n see: {Kaffeemaschinen}\n\n"),
    ("Damen", "Damen /d/ <pl>\nladies\n"),
    ("Herren", "Herren /h/ <pl>\ngentlemen\n"),
    ("schwarz", "schwarz /ʃvarts/ <adj>\nblack <adj>\n"),
    ("mit", "mit /mɪt/ <prp>\nwith\n"),
    ("Schuh", "Schuh /ʃˈuː/ <masc, n, sg>\nshoe <n>\n      \"seine Schuhe anziehen\"  - put on one's shoes\n"),
    ("laufen", "laufen /lˈaʊfən/ <v, intr>\nrun <v>\n see: {laufend}\n\n"),
    ("laufen", "laufen /lˈaʊfən/ <v>\nwalk <v>\n   Synonyms: {gehen}\n\n"),
    ("Küche", "Küche /ˈkʏçə/ <fem, n, sg>\nkitchen <n>\n"),
    ("Messer", "Messer /ˈmɛsɐ/ <neut, n, sg>\nknife <n>\n"),
    ("Küchenmesser", "Küchenmesser /k/ <neut, n, sg>\ncook's knife <n>\n"),
    ("Staubsauger", "Staubsauger /ʃ/ <masc, n, sg>\nvacuum cleaner <n>\n"),
    ("waschen", "waschen /vaʃən/ <v>\nwash <v>\n"),
    ("Maschine", "Maschine /maʃiːnə/ <fem, n, sg>\nmachine <n>\n"),
    ("Kabel", "Kabel /kaːbəl/ <neut, n, sg>\ncable <n>\n"),
]  # fmt: skip
ENG_DEU = [
    ("running shoe", "running shoe /ɹ/\nLaufschuh <masc>\n see: {running shoes}\n\n"),
    ("coffee maker", "coffee maker /k/\nKaffeemaschine <fem> [cook.]\n"),
    ("shoe", 'shoe /ʃˈuː/\nSchuh <masc>\n      "put on one\'s shoes"  - seine Schuhe anziehen\n see: {shoes}\n\n'),
    ("black", "black /blˈak/\nschwarz <adj>\n"),
    ("with", "with /wɪð/\nmit\n"),
    ("acme", "acme /ˈækmi/\nGipfel <masc>\n"),
]
FRA_ENG = [
    ("chaussure", "chaussure /ʃosyʀ/ <n, fem>\nshoe\n"),
    ("course", "course /kuʁs/\n1. race\n2. running\n"),
    ("de", "de /də/\n1. from, of\n2. out of\n"),
    ("café", "café /kafe/\ncoffee\n"),
    ("machine", "machine /maʃin/\nmachine\n"),
    ("noir", "noir /nwaʀ/ <adj>\nblack\n"),
]
SPA_ENG = [
    ("correa", "correa /koˈrea/ <n, fem>\nstrap\n"),
    ("correo", "correo /koˈreo/ <n, masc>\nmail\n"),
    ("rojo", "rojo /ˈroxo/ <adj>\nred\n"),
]
FRA_DEU = [("aspirateur", "aspirateur /as.pi.ʁa.tœʁ/ <n, masc>\n1. Staubsauger\nAppareil ménager qui aspire\n")]
CEDICT = """\
# CC-CEDICT test sample
#! license=https://creativecommons.org/licenses/by-sa/4.0/
跑鞋 跑鞋 [pao3 xie2] /running shoes/
鞋 鞋 [xie2] /shoe/CL:雙|双[shuang1],隻|只[zhi1]/
男士 男士 [nan2 shi4] /man/gentleman/
黑色 黑色 [hei1 se4] /black/
的 的 [de5] /of/~'s (possessive particle)/
咖啡 咖啡 [ka1 fei1] /coffee (loanword)/CL:杯[bei1]/
咖啡機 咖啡机 [ka1 fei1 ji1] /coffee machine/coffee maker/
機 机 [ji1] /machine/engine/opportunity/
運動鞋 运动鞋 [yun4 dong4 xie2] /sports shoes/sneakers/
黑 黑 [Hei1] /abbr. for Heilongjiang province 黑龍江|黑龙江[Hei1 long2 jiang1]/
黑 黑 [hei1] /black/dark/
咔 咔 [ka3] /old variant of 卡[ka3]/
"""


def install(folder: Path) -> tuple[tuple[Path, ...], Path]:
    """Write all test dictionaries under ``folder``; return (dict_dirs, cedict file)."""
    dictd = folder / "dictd"
    write_dictd(dictd, "deu-eng", DEU_ENG, "German - English Ding/FreeDict dictionary")
    write_dictd(dictd, "eng-deu", ENG_DEU, "English - German Ding/FreeDict dictionary")
    write_dictd(dictd, "fra-eng", FRA_ENG, "French-English FreeDict Dictionary")
    write_dictd(dictd, "spa-eng", SPA_ENG, "Spanish-English FreeDict Dictionary")
    write_dictd(dictd, "fra-deu", FRA_DEU, "français-Deutsch FreeDict+WikDict dictionary")
    cedict = folder / "cedict.txt"
    cedict.write_text(CEDICT, encoding="utf-8")
    return (dictd,), cedict
