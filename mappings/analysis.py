"""Per-language analyzers: one for indexing, one for searching (the same chain plus synonyms).

The search analyzers carry ``synonym_graph`` filters read from ``mappings/synonyms/<lang>.txt``
(Solr format), so synonyms change without reindexing (``babelshop synonyms reload``).
"""

from __future__ import annotations

from pathlib import Path

SYNONYM_DIR = Path(__file__).with_name("synonyms")

# Built from OpenSearch's own filters (the analysis-common module); light stemmers keep
# product words recognisable ("shoes" -> "shoe", not "sho").
_LATIN = {
    "en": ("_english_", "light_english", []),
    "de": ("_german_", "light_german", ["german_normalization"]),
    "fr": ("_french_", "light_french", ["bs_fr_elision"]),
    "es": ("_spanish_", "light_spanish", []),
    "it": ("_italian_", "light_italian", ["bs_it_elision"]),
    "pt": ("_portuguese_", "light_portuguese", []),
    "nl": ("_dutch_", "dutch", []),
    "ru": ("_russian_", "russian", []),
}
# Chinese, Japanese and Korean: overlapping bigrams, since no dictionary tokenizer ships with
# the embedded node (analysis-icu, kuromoji and smartcn are not served on Maven Central).
CJK = ("zh", "ja", "ko")


def supported_languages() -> tuple[str, ...]:
    return (*_LATIN, *CJK)


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


def _chain(lang: str) -> tuple[str, list[str]]:
    """Tokenizer and filters before synonyms (pre) for a language."""
    if lang in CJK:
        return "standard", ["cjk_width", "lowercase"]
    _stop, _stem, extra = _LATIN[lang]
    return "standard", [*[f for f in extra if f.endswith("elision")], "lowercase"]


def _post(lang: str) -> list[str]:
    if lang in CJK:
        return ["cjk_bigram"]
    _stop, _stem, extra = _LATIN[lang]
    norm = [f for f in extra if not f.endswith("elision")]
    return [*norm, f"bs_{lang}_stop", f"bs_{lang}_stem"]


def analysis_settings(languages: tuple[str, ...], synonym_dir: Path = SYNONYM_DIR) -> dict:
    """The ``index.analysis`` block for these catalog languages."""
    filters: dict[str, dict] = {
        "bs_fr_elision": {"type": "elision", "articles_case": True, "articles": [
            "l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]},
        "bs_it_elision": {"type": "elision", "articles": [
            "c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl",
            "sugl", "un", "m", "t", "s", "v", "d"]},
    }
    analyzers: dict[str, dict] = {}
    for lang in languages:
        if lang not in supported_languages():
            continue
        if lang not in CJK:
            stop, stem, _ = _LATIN[lang]
            filters[f"bs_{lang}_stop"] = {"type": "stop", "stopwords": stop}
            filters[f"bs_{lang}_stem"] = {"type": "stemmer", "language": stem}
        tokenizer, pre = _chain(lang)
        post = _post(lang)
        analyzers[f"bs_{lang}"] = {"type": "custom", "tokenizer": tokenizer, "filter": [*pre, *post]}
        synonyms = read_synonyms(lang, synonym_dir)
        search_filters = [*pre, *post]
        if synonyms:
            filters[f"bs_{lang}_synonyms"] = {"type": "synonym_graph", "synonyms": synonyms, "lenient": True}
            search_filters = [*pre, f"bs_{lang}_synonyms", *post]
        analyzers[f"bs_{lang}_search"] = {"type": "custom", "tokenizer": tokenizer, "filter": search_filters}
    analyzers["bs_folded"] = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}
    return {"analyzer": analyzers, "filter": filters}


def analyzer_for(lang: str) -> tuple[str, str]:
    """(index analyzer, search analyzer) names for a language; unknown ones get the folded one."""
    if lang in supported_languages():
        return f"bs_{lang}", f"bs_{lang}_search"
    return "bs_folded", "bs_folded"
