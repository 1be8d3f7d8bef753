"""Per-language analyzers: one for indexing, one for searching (the same chain plus synonyms).

Every catalog language ``<lang>`` gets the pair ``bs_<lang>`` / ``bs_<lang>_search``, built from
the language registry (:mod:`languages.registry`):

* a language with an OpenSearch analyzer of its own: elision, lowercase, its normalizer, its
  stop words and its stemmer (all built-in pieces of the analysis-common module, present in
  both engine lines);
* Chinese, Japanese and Korean: overlapping character bigrams;
* any other code, known to the registry or not ("pl", "xx"): the folded chain (lowercase,
  accents removed), under the language's own names, so its synonym file still applies.

The search analyzers carry ``synonym_graph`` filters read from ``mappings/synonyms/<lang>.txt``
(Solr format), so synonyms change without reindexing (``babelshop synonyms reload``).
"""

from __future__ import annotations

from pathlib import Path

from languages.registry import CJK, LANGUAGES, language

SYNONYM_DIR = Path(__file__).with_name("synonyms")

#: The chain of the language-neutral fields (``title``, ``category``), and of every catalog
#: language without an analyzer of its own.
FOLDED = ["lowercase", "asciifolding"]
#: Scripts the standard tokenizer cannot split into words, with the tokenizer that can.
_SCRIPT_TOKENIZERS = {"thai": "thai"}
#: Elision filters defined in every index, whatever its catalog: indices installed before the
#: registry have them, and an unchanged analysis block means setup needs no rebuild.
_ALWAYS_ELIDED = ("fr", "it")
#: Italian's filter predates ``articles_case``; adding it would change every installed index.
_CASE_SENSITIVE_ELISION = frozenset({"it"})


def supported_languages() -> tuple[str, ...]:
    """Every language the registry knows: each gets an analyzer pair of its own when it is a
    catalog language (its language chain, or the folded one), and its synonym rules."""
    return tuple(LANGUAGES)


def read_synonyms(lang: str, directory: Path = SYNONYM_DIR) -> list[str]:
    """Solr-format rules of one language, comments and blank lines dropped."""
    path = directory / f"{lang}.txt"
    if not path.exists():
        return []
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append(line)
    return rules


def _elision_filter(lang: str) -> dict:
    entry = language(lang)
    articles = list(entry.analyzer.elision) if entry and entry.analyzer else []
    if lang in _CASE_SENSITIVE_ELISION:
        return {"type": "elision", "articles": articles}
    return {"type": "elision", "articles_case": True, "articles": articles}


def language_chain(lang: str) -> tuple[str, list[str], list[str], dict[str, dict]]:
    """How ``lang`` is analyzed: the tokenizer, the filters before synonyms, the filters after
    them, and the custom filters those name (``bs_<lang>_stop``, ...)."""
    if lang in CJK:
        return "standard", ["cjk_width", "lowercase"], ["cjk_bigram"], {}
    entry = language(lang)
    analyzer = entry.analyzer if entry else None
    if analyzer is None:
        return "standard", list(FOLDED), [], {}
    filters: dict[str, dict] = {
        f"bs_{lang}_stop": {"type": "stop", "stopwords": analyzer.stopwords},
        f"bs_{lang}_stem": {"type": "stemmer", "language": analyzer.stemmer},
    }
    pre = ["lowercase"]
    if analyzer.elision:
        filters[f"bs_{lang}_elision"] = _elision_filter(lang)
        pre = [f"bs_{lang}_elision", "lowercase"]
    norm = [analyzer.normalization] if analyzer.normalization else []
    stems = [f"bs_{lang}_stem"]
    if analyzer.plurals:
        filters[f"bs_{lang}_plurals"] = {"type": "stemmer", "language": analyzer.plurals}
        stems.append(f"bs_{lang}_plurals")
    tokenizer = _SCRIPT_TOKENIZERS.get(entry.script, "standard")
    return tokenizer, pre, [*norm, f"bs_{lang}_stop", *stems], filters


def analysis_settings(languages: tuple[str, ...], synonym_dir: Path = SYNONYM_DIR) -> dict:
    """The ``index.analysis`` block for these catalog languages."""
    filters: dict[str, dict] = {f"bs_{lang}_elision": _elision_filter(lang) for lang in _ALWAYS_ELIDED}
    analyzers: dict[str, dict] = {}
    for lang in languages:
        tokenizer, pre, post, own = language_chain(lang)
        filters.update(own)
        analyzers[f"bs_{lang}"] = {"type": "custom", "tokenizer": tokenizer, "filter": [*pre, *post]}
        synonyms = read_synonyms(lang, synonym_dir)
        search_filters = [*pre, *post]
        if synonyms:
            filters[f"bs_{lang}_synonyms"] = {"type": "synonym_graph", "synonyms": synonyms, "lenient": True}
            search_filters = [*pre, f"bs_{lang}_synonyms", *post]
        analyzers[f"bs_{lang}_search"] = {"type": "custom", "tokenizer": tokenizer, "filter": search_filters}
    analyzers["bs_folded"] = {"type": "custom", "tokenizer": "standard", "filter": list(FOLDED)}
    return {"analyzer": analyzers, "filter": filters}


def analyzer_for(lang: str, catalog: tuple[str, ...] | None = None) -> tuple[str, str]:
    """(index analyzer, search analyzer) names for a language: its own pair when it is in
    ``catalog`` (every catalog code has one) or, without a catalog, when the registry knows it;
    any other code gets the folded one."""
    if lang in (catalog if catalog is not None else supported_languages()):
        return f"bs_{lang}", f"bs_{lang}_search"
    return "bs_folded", "bs_folded"
