"""``babelshop languages``: the registry as a table or JSON, with what this machine has installed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from babelshop.languages_cli import _table, languages, missing_packages, rows
from common.settings import get_settings
from languages import registry


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings are read once per process: re-read them with the test's catalog, and after it."""
    monkeypatch.setenv("BABELSHOP_CATALOG_LANGUAGES", "en,uk,de")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_table_shows_polish_with_its_packages() -> None:
    result = CliRunner().invoke(languages, [])
    assert result.exit_code == 0, result.output
    polish = [line for line in result.output.splitlines() if " Polish " in line]
    assert len(polish) == 1
    assert "dict-freedict-pol-eng" in polish[0] and "dict-freedict-eng-pol" in polish[0]
    assert " pl " in polish[0]


def test_json_all_lists_every_language() -> None:
    result = CliRunner().invoke(languages, ["--json", "--all"])
    assert result.exit_code == 0, result.output
    data = _json(result.output)
    assert [row["code"] for row in data["languages"]] == list(registry.LANGUAGES)
    assert len(data["languages"]) == 75
    polish = next(row for row in data["languages"] if row["code"] == "pl")
    assert polish["into_en"] == [{"source": "dict-freedict-pol-eng", "installed": True}]
    assert polish["analyzer"] == "folded" and polish["companion"] and polish["dictionary"] and polish["lemmas"]
    assert not data["languages"][0]["lemmas"]  # English, the pivot
    assert next(row for row in data["languages"] if row["code"] == "zh")["analyzer"] == "cjk bigrams"
    assert next(row for row in data["languages"] if row["code"] == "de")["analyzer"] == "light_german"
    assert set(data["installed_dictionaries"]) == set(registry.installed_dictionaries())
    swedish = next(row for row in data["languages"] if row["code"] == "sv")
    assert {"source": "dict-freedict-swe-deu", "installed": True} in swedish["bridges"]
    assert next(row for row in data["languages"] if row["code"] == "da")["kin"] == ["nb"]


def test_default_shows_languages_with_resources_and_the_catalog(catalog: None) -> None:
    data = _json(CliRunner().invoke(languages, ["--json"]).output)
    assert data["catalog"] == ["en", "uk", "de"]
    shown = {row["code"]: row for row in data["languages"]}
    assert shown["uk"]["catalog"] and shown["de"]["catalog"] and not shown["fr"]["catalog"]
    assert not shown["uk"]["dictionary"]  # in the catalog without any resource: still listed
    assert "be" not in shown  # Belarusian: detection only, not in the catalog
    everything = _json(CliRunner().invoke(languages, ["--json", "--all"]).output)
    assert len(shown) < len(everything["languages"])


def test_missing_dictionaries_name_the_install_line(tmp_path: Path) -> None:
    described = rows(("en", "de"), dirs=(tmp_path,))  # a machine without any FreeDict file
    missing = missing_packages(described)
    assert "dict-freedict-pol-eng" in missing and "dict-freedict-eng-rom" in missing
    assert registry.CEDICT not in missing
    assert {"apertium-fr-es", "apertium-eng-spa", registry.LTTOOLBOX} <= set(missing)  # an Apertium route's packages
    polish = next(row for row in described if row["code"] == "pl")
    assert not polish["dictionary"] and not polish["into_en"][0]["installed"]
    from rich.console import Console

    console = Console(file=io.StringIO(), width=400)
    console.print(_table(described, ("en", "de"), show_all=False))
    text = console.file.getvalue()
    assert "apt-get install dict-freedict-jpn-eng" in text
    assert "dict-freedict-pol-eng missing" in text
    assert "dict-freedict-swe-deu" in missing and "swe-deu missing" in text  # a bridge is a package too
    assert "kin nb" in text


def test_registered_on_the_main_command() -> None:
    from babelshop.cli import main

    result = CliRunner().invoke(main, ["languages", "--json"])
    assert result.exit_code == 0, result.output
    assert _json(result.output)["languages"][0]["code"] == "en"
