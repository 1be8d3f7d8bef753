"""The language registry (languages.registry): one consistent table that detection, translation,
analyzers and the Makefile all read, and FreeDict's own file names where they differ from ISO."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from languages import registry
from translation import dictd

FREEDICT_PACKAGE = re.compile(r"^dict-freedict-([a-z]{3})-([a-z]{3})$")


def test_codes_are_two_lowercase_letters_and_unique() -> None:
    for code, lang in registry.LANGUAGES.items():
        assert re.fullmatch(r"[a-z]{2}", code), code
        assert lang.code == code
        assert re.fullmatch(r"[a-z]{3}", lang.iso3), lang
    iso3 = [lang.iso3 for lang in registry.LANGUAGES.values()]
    assert len(set(iso3)) == len(iso3)
    names = [lang.name for lang in registry.LANGUAGES.values()]
    assert len(set(names)) == len(names)


def test_every_lingua_language_is_registered_as_detectable() -> None:
    from lingua import Language

    lingua_codes = {lang.iso_code_639_1.name.lower() for lang in Language.all()}
    missing = sorted(lingua_codes - set(registry.LANGUAGES))
    assert not missing, f"lingua detects {missing} but the registry lacks them"
    assert all(registry.LANGUAGES[code].detect for code in lingua_codes)


def test_sources_are_freedict_packages_to_or_from_english() -> None:
    # Beyond FreeDict, only the dictionaries whose dictd files the registry names (Mueller's) and
    # Apertium routes, whose first hop starts from the language's own analyser.
    for lang in registry.LANGUAGES.values():
        for source in lang.into_en:
            if source in registry.APERTIUM:
                assert registry.APERTIUM[source].hops[-1][1].endswith(("-eng", "-en")), source
            elif source != registry.CEDICT and source not in registry.DICTD_FILES:
                match = FREEDICT_PACKAGE.match(source)
                assert match and match.group(2) == "eng" and match.group(1) == registry.freedict_code(lang.code), source
        for source in lang.out_of_en:
            if source != registry.CEDICT and source not in registry.DICTD_FILES:
                match = FREEDICT_PACKAGE.match(source)
                assert match and match.group(1) == "eng" and match.group(2) == registry.freedict_code(lang.code), source


def test_every_registry_dictionary_is_installed() -> None:
    # `make test` installs debian_packages() first (the Makefile's system step reads the registry).
    missing = [p for p in registry.debian_packages() if registry.is_debian_package(p) and registry.dictd_prefix(p) is None]
    missing += [s for s in registry.APERTIUM if registry.APERTIUM[s].root(registry.DICTD_DIRS) is None]
    assert not missing, f"apt-get install {' '.join(missing)} (make system does)"


def test_debian_packages_use_freedicts_names() -> None:
    packages = registry.debian_packages()
    assert len(packages) == len(set(packages))
    # CC-CEDICT is a pip package, not listed; beyond FreeDict, Mueller's English-Russian and Apertium's.
    apertium = {p for route in registry.APERTIUM.values() for p in route.packages}
    assert all(FREEDICT_PACKAGE.match(p) or p == registry.MUELLER or p in apertium for p in packages)
    assert registry.debian_packages(["ru"])[:2] == ("dict-freedict-eng-rus", registry.MUELLER)
    assert {"dict-freedict-eng-rom", "dict-freedict-eng-nor", "dict-freedict-swh-eng"} <= set(packages)
    # A language's own English dictionaries come first, then its bridges (through de, fr, es).
    polish = registry.debian_packages(["pl"])
    assert polish[:2] == ("dict-freedict-pol-eng", "dict-freedict-eng-pol")
    assert set(polish[2:]) == {f"dict-freedict-{pair}" for pair in ("pol-deu", "deu-pol", "pol-fra", "fra-pol", "pol-spa")}
    # Outside the dev languages too: Swedish gets its FreeDict dictionaries with the bridges.
    swedish = registry.debian_packages(["sv"])
    assert swedish[:2] == ("dict-freedict-swe-eng", "dict-freedict-eng-swe")
    assert {"dict-freedict-swe-deu", "dict-freedict-deu-swe", "dict-freedict-swe-spa"} <= set(swedish[2:])
    assert registry.debian_packages(["cs"]) == ("dict-freedict-ces-eng", "dict-freedict-eng-ces")
    assert registry.debian_packages(["zh", "ko"]) == ()


def test_bridges_lead_to_a_bridge_language() -> None:
    bridges = {registry.freedict_code(code) for code in ("de", "fr", "es")}
    for lang in registry.LANGUAGES.values():
        for package in lang.via:
            if package in registry.APERTIUM:  # a route to a language with English dictionaries
                target = registry.LANGUAGES[registry.APERTIUM[package].target]
                assert target.sources and target.code not in (registry.PIVOT, lang.code), package
                # whose own lexicon waits on no route: building one cannot come back to itself
                assert not any(s in registry.APERTIUM for s in target.via), package
                continue
            match = FREEDICT_PACKAGE.match(package)
            assert match, package
            pair = {match.group(1), match.group(2)}
            assert registry.freedict_code(lang.code) in pair and pair & bridges, package


@pytest.mark.parametrize(("code", "expected"), [
    ("ro", "rom"), ("nb", "nor"), ("no", "nor"), ("sw", "swh"), ("pl", "pol"), ("de-AT", "deu"), ("ron", "rom"),
])
def test_freedict_code(code: str, expected: str) -> None:
    assert registry.freedict_code(code) == expected


def test_dictd_names_files_and_packages_through_the_registry(tmp_path: Path) -> None:
    assert dictd.debian_package("en", "ro") == "dict-freedict-eng-rom"
    assert dictd.debian_package("sw", "en") == "dict-freedict-swh-eng"
    assert dictd.DICTD_DIRS == registry.DICTD_DIRS
    for name in ("freedict-swh-eng.index", "freedict-swh-eng.dict.dz", "freedict-eng-nor.index",
                 "freedict-eng-nor.dict.dz"):
        (tmp_path / name).write_bytes(b"")
    assert dictd.freedict_path("sw", "en", (tmp_path,)) == tmp_path / "freedict-swh-eng"
    assert dictd.freedict_path("en", "no", (tmp_path,)) == tmp_path / "freedict-eng-nor"
    assert dictd.freedict_path("en", "sw", (tmp_path,)) is None


@pytest.mark.parametrize(("code", "expected"), [("no", "nb"), ("zh-CN", "zh"), ("PT_br", "pt"), (" de ", "de")])
def test_normalize_code(code: str, expected: str) -> None:
    assert registry.normalize_code(code) == expected
    assert registry.language(code) is registry.LANGUAGES[expected]


def test_query_languages_put_the_catalog_first_then_installed_dictionaries(tmp_path: Path) -> None:
    for name in ("freedict-pol-eng.index", "freedict-eng-rom.index"):
        (tmp_path / name).write_bytes(b"")
    ordered = registry.query_languages(("ja", "de-DE"), dirs=(tmp_path,))
    assert ordered[:2] == ("ja", "de")
    assert {"en", "pl", "ro"} <= set(ordered)
    assert "sv" not in ordered and "ko" not in ordered  # no dictionary here
    rest = ordered[2:]
    assert list(rest) == [c for c in registry.LANGUAGES if c in rest]  # registry order after the catalog
    assert len(ordered) == len(set(ordered))


def test_helpers_read_the_table() -> None:
    assert registry.by_script("cyrillic")[0] == "ru"
    assert registry.with_analyzer(["pl", "de", "xx"]) == ("de",)
    assert registry.companion_covers("pl") and not registry.companion_covers("sv")
    assert not registry.companion_covers("xx")
    assert set(registry.CJK) <= set(registry.LANGUAGES)
    assert registry.language("xx") is None


def test_kin_is_one_way_and_has_a_dictionary_of_its_own() -> None:
    assert registry.LANGUAGES["da"].kin == ("nb",)
    for lang in registry.LANGUAGES.values():
        for kin in lang.kin:
            other = registry.LANGUAGES[kin]
            assert other.kin == ()  # the kin's lexicon is read as it stands: no cycle
            assert other.sources and lang.script == other.script
