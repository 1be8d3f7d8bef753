"""``babelshop languages``: the language registry (``languages.registry``) with what this machine
has installed of it, so an operator sees which shoppers' languages are translated, which are
searched by their vector alone, and which package would change that."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import click

from common.settings import get_settings
from languages import registry

YES, NO = "✓", "·"


def analyzer_label(lang: registry.Language) -> str:
    """How OpenSearch indexes the language: its stemmer, CJK bigrams, or folded words only."""
    if lang.analyzer is None:
        return "folded"
    if lang.analyzer.stemmer == "cjk_bigram":
        return "cjk bigrams"
    return "+".join(filter(None, (lang.analyzer.stemmer, lang.analyzer.plurals)))


def describe(lang: registry.Language, catalog: tuple[str, ...], dirs: tuple[Path, ...]) -> dict:
    """One language's row, as ``--json`` prints it."""
    installed = {*lang.installed_sources(dirs), *lang.installed_bridges(dirs)}

    def sources(names: tuple[str, ...]) -> list[dict]:
        return [{"source": name, "installed": name in installed} for name in names]

    return {
        "code": lang.code, "name": lang.name, "iso3": lang.iso3, "script": lang.script, "detect": lang.detect,
        "into_en": sources(lang.into_en), "out_of_en": sources(lang.out_of_en),
        "bridges": sources(lang.via), "kin": list(lang.kin),
        "dictionary": lang.has_dictionary(dirs), "lemmas": registry.lemma_code(lang.code) is not None,
        "analyzer": analyzer_label(lang), "companion": lang.companion,
        "catalog": lang.code in catalog,
    }


def rows(catalog: Iterable[str], *, show_all: bool = False,
         dirs: tuple[Path, ...] = registry.DICTD_DIRS) -> list[dict]:
    """The registry's languages in its order: by default those with a resource beyond detection
    (a dictionary, an analyzer, the companion encoder) and the catalog's; every one with ``show_all``."""
    catalog = tuple(registry.normalize_code(c) for c in catalog)
    chosen = [lang for lang in registry.LANGUAGES.values()
              if show_all or lang.code in catalog or lang.sources or lang.analyzer or lang.companion]
    return [describe(lang, catalog, dirs) for lang in chosen]


def missing_packages(described: list[dict]) -> list[str]:
    """The Debian packages the shown languages name but this machine lacks (CC-CEDICT is a pip one)."""
    wanted = (s["source"] for row in described for s in (*row["into_en"], *row["out_of_en"], *row["bridges"])
              if not s["installed"])
    return list(dict.fromkeys(p for s in wanted for p in registry.packages_of(s)))


def _cell(row: dict, key: str) -> str:
    if row["code"] == registry.PIVOT:
        return "(pivot)"
    return "\n".join(f"{s['source']} {YES if s['installed'] else 'missing'}" for s in row[key]) or NO


def _helpers(row: dict) -> str:
    """The bridge dictionaries as their FreeDict pairs ("swe-deu"), then the kin ("kin nb")."""
    pairs = [s["source"].removeprefix("dict-freedict-") + ("" if s["installed"] else " missing") for s in row["bridges"]]
    return "\n".join([*pairs, *(f"kin {k}" for k in row["kin"])]) or NO


def _table(described: list[dict], catalog: tuple[str, ...], show_all: bool):
    from rich.table import Table

    shown = "every language" if show_all else "languages with resources and the catalog's (--all: every one)"
    table = Table(title=f"babelshop languages: {shown}; catalog {', '.join(catalog)}")
    for col in ("code", "name", "script", "detect", "into English", "out of English", "bridges, kin", "lemmas",
                "analyzer", "USE", "catalog"):
        table.add_column(col, overflow="fold", no_wrap=col in ("code", "into English", "out of English"))
    for row in described:
        table.add_row(row["code"], row["name"], row["script"], YES if row["detect"] else NO, _cell(row, "into_en"),
                      _cell(row, "out_of_en"), _helpers(row), YES if row["lemmas"] else NO, row["analyzer"],
                      YES if row["companion"] else NO,
                      YES if row["catalog"] else NO, style="bold" if row["catalog"] else None)
    missing = missing_packages(described)
    unknown = [code for code in catalog if code not in registry.LANGUAGES]
    translated = sum(r["dictionary"] for r in described if r["code"] != registry.PIVOT)
    table.caption = (f"{translated} of the other {len(described) - 1} languages shown translate through English "
                     "(one dictionary serves both directions: the other is inverted); the rest are searched by "
                     "their vector."
                     + (f"\nmissing dictionaries: apt-get install {' '.join(missing)}" if missing else "")
                     + (f"\ncatalog languages the registry does not know: {', '.join(unknown)}" if unknown else ""))
    return table


@click.command("languages")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on the last line instead of the table.")
@click.option("--all", "show_all", is_flag=True, help="Every language the registry knows, resources or not.")
def languages(as_json: bool, show_all: bool) -> None:
    """The language registry: detection, dictionaries into and out of English, the OpenSearch
    analyzer, the companion encoder's coverage, and the catalog languages."""
    catalog = tuple(registry.normalize_code(c) for c in get_settings().catalog_languages)
    described = rows(catalog, show_all=show_all)
    if as_json:
        click.echo(json.dumps({"languages": described, "catalog": list(catalog),
                               "installed_dictionaries": sorted(registry.installed_dictionaries()),
                               "missing_packages": missing_packages(described)}, ensure_ascii=False))
        return
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = 160  # piped: rich's 80 columns would fold every package name
    console.print(_table(described, catalog, show_all))
