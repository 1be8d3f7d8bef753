"""A shopper's query in any language: wide detection, hedging, how far a translation is trusted,
the companion encoder's share, and the lexical side of a query nothing translated."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from common.settings import Settings
from encoders.composite import CompositeEncoder, primary_only
from languages.detect import LanguageGuess
from query_rewriter.builder import request_body
from query_rewriter.contracts import RewrittenQuery, WeightedText
from query_rewriter.query_language import detect_query_language
from query_rewriter.rewriter import Rewriter, translation_trust
from translation.base import Translation, TranslationError, Translator
from translation.lexicon import Lexicon, pack

CATALOG = ("en", "zh", "de", "es", "fr", "ja")
WIDE = (*CATALOG, "it", "pt", "nl", "pl", "tr", "sv", "da", "fi")
#: Every language the registry can detect by letters, as a shop with all dictionaries has them.
WIDEST = (*WIDE, "nb", "is", "cs", "sk", "sl", "hr", "bs", "hu", "ro", "lt", "ga", "cy", "ca", "af", "eo", "la",
          "id", "sw")


class _Lexicons(Translator):
    """A translator whose dictionaries know a few words per language (and that translates nothing)."""

    words: ClassVar[dict[str, dict[str, str]]] = {
        "nl": {"luier": "diaper", "luiers": "diapers", "veevoer": "fodder"},
        "af": {"hond": "dog"},
        "da": {"kaffemaskiner": "coffee makers"},
        "nb": {"kaffemaskiner": "coffee makers"},
        "de": {"kaffee": "coffee", "laufschuhe": "running shoes"},
        "ja": {"時計": "clock", "冷蔵庫": "refrigerator", "跑鞋": "running shoes", "箸": "chopsticks", "用品": "supplies"},
        "zh": {"跑鞋": "running shoes", "冰箱": "refrigerator", "用品": "articles", "宠物": "pet"},
        "pl": {"peruki": "wigs", "napoje": "beverages", "gazowane": "carbonated"},
        "pt": {"martelo": "hammer"},
        "es": {"martillo": "hammer"},
    }

    def lexicon_for(self, source: str, target: str) -> Lexicon | None:
        if source not in self.words:
            return None
        return Lexicon(source, target, {k: pack([(v, 1.0)]) for k, v in self.words[source].items()})

    def _translate_batch(self, texts, source, target, max_candidates):
        return [[Translation(text, 1.0)] for text in texts]


@pytest.mark.parametrize(("text", "lang"), [
    ("Napoje gazowane", "pl"),  # Polish: taken for a catalog language when only those are candidates
    ("Trädgårdsslangar", "sv"),
    ("Bebek Bezleri", "tr"),
    ("Laufschuhe", "de"),
    ("Housses pour bagages", "fr"),
])
def test_latin_queries_are_told_apart_among_every_language_with_a_dictionary(text: str, lang: str) -> None:
    found = detect_query_language(text, CATALOG, WIDE, _Lexicons())
    assert found.guess.lang == lang
    assert found.sure


@pytest.mark.parametrize(("text", "lang"), [
    ("時計", "ja"),  # only the Japanese dictionary knows the word
    ("冷蔵庫", "ja"),
    ("跑鞋", "zh"),  # both know it: Chinese, as the script says
    ("冰箱", "zh"),
    ("鞋子", "zh"),  # neither knows the whole text
    ("箸用品", "ja"),  # Japanese reads every piece, Chinese not "箸"
    ("宠物用品", "zh"),  # Chinese reads more of it
])
def test_han_without_kana_is_japanese_only_where_japanese_reads_more_of_it(text: str, lang: str) -> None:
    found = detect_query_language(text, CATALOG, WIDE, _Lexicons())
    assert found.guess.lang == lang
    assert found.sure


def test_a_single_word_lingua_cannot_place_is_placed_by_the_dictionary_that_knows_it() -> None:
    # Lingua's few first choices for a lone word are mostly wrong; the catalog's own languages
    # join the vote besides them, they do not push the right one out of it.
    found = detect_query_language("Peruki", CATALOG, WIDEST, _Lexicons())
    assert found.guess == LanguageGuess("pl", found.guess.confidence, "dictionary")
    assert not found.sure


def test_a_sure_guess_whose_dictionary_reads_nothing_goes_to_the_vote() -> None:
    # Lingua is sure "Veevoer" is Afrikaans; only the Dutch dictionary can read it.
    found = detect_query_language("Veevoer", CATALOG, WIDEST, _Lexicons())
    assert found.guess == LanguageGuess("nl", found.guess.confidence, "dictionary")


def test_an_inflected_form_counts_for_its_dictionary_in_the_vote() -> None:
    # "marteladores" is no headword, but the Portuguese dictionary reads it through its stem;
    # lingua leans to Spanish, whose dictionary cannot read it.
    found = detect_query_language("Marteladores", CATALOG, WIDEST, _Lexicons())
    assert found.guess.lang == "pt"


def test_the_catalog_alone_would_mistake_a_swedish_query() -> None:
    # The reason for the wide detection: among the catalog's languages Swedish has no place to go.
    assert detect_query_language("Trädgårdsslangar", CATALOG, CATALOG, _Lexicons()).guess.lang != "sv"


def test_a_given_code_or_a_script_decides_without_statistics() -> None:
    assert detect_query_language("Napoje", CATALOG, WIDE, _Lexicons(), given="pl-PL").guess == LanguageGuess(
        "pl", 1.0, "given")
    cyrillic = detect_query_language("Беговые кроссовки", CATALOG, WIDE, _Lexicons())
    assert cyrillic.guess.lang == "ru" and cyrillic.guess.method == "script" and cyrillic.sure


def test_an_unsure_guess_says_so_and_names_what_it_hedges_on() -> None:
    found = detect_query_language("Kaffemaskiner", CATALOG, (*WIDE, "nb"), _Lexicons())
    assert not found.sure
    # Danish and Norwegian spell it the same: whichever wins, the other is hedged on.
    assert {found.guess.lang, *found.hedges} >= {"da", "nb"}


def test_trust_is_the_share_of_words_translated() -> None:
    assert translation_trust(1.0, ["beverage carbonated"]) == 1.0
    assert translation_trust(0.5, ["beverage kolorowe"]) == 0.5
    assert translation_trust(1.0, []) == 0.0  # nothing translated: nothing to trust


class _Glossary(_Lexicons):
    """Translates a text its dictionaries know whole, into English only."""

    def supports(self, source: str, target: str) -> bool:
        return source in self.words and target == "en"

    def _translate_batch(self, texts, source, target, max_candidates):
        if not self.supports(source, target):
            raise TranslationError(f"no dictionary {source}->{target}")
        return [[Translation(self.words[source].get(text.lower(), text), 1.0)] for text in texts]


def test_an_unsure_language_guess_keeps_the_trust_its_words_earned() -> None:
    # Danish and Norwegian both know the word: the guess is unsure and hedged, yet the English
    # reading is as good as if the language were given, so the query vector leans on it as much.
    settings = Settings(query_log=False, query_languages=(*WIDE, "nb"))
    rewriter = Rewriter(settings, encoder=_composite(), translator=_Glossary())
    guessed = rewriter.rewrite("Kaffemaskiner", mode="vector")
    given = rewriter.rewrite("Kaffemaskiner", guessed.lang, mode="vector")
    assert guessed.lang_method != "given" and guessed.lang_hedges
    assert guessed.translation_trust == given.translation_trust == 1.0
    assert guessed.embedding == pytest.approx(given.embedding)
    assert given.vector_readings == ["coffee makers"]  # what the vector pooled, for the operator
    assert rewriter.rewrite("coffee makers", "en", mode="vector").vector_readings == []


def test_coverage_counts_the_words_a_dictionary_knows_even_when_spelled_the_same() -> None:
    from translation.compose import known_share

    polish = Lexicon("pl", "en", {"aluminium": pack([("aluminium", 1.0)]), "papier": pack([("paper", 1.0)])})
    assert known_share("papier aluminium", polish) == 1.0  # a cognate is known, not passed through
    assert known_share("papier kolorowy", polish) == 0.5


def test_coverage_counts_words_written_the_same_in_english() -> None:
    from translation.compose import known_share

    polish = Lexicon("pl", "en", {"papier": pack([("paper", 1.0)]), "etui": pack([("case", 1.0)])})
    english = Lexicon("en", "pl", {"paintball": pack([("paintball", 1.0)])})
    # A Latin acronym and an English loanword pass through as their own right translation.
    assert known_share("etui GPS", polish) == 1.0
    assert known_share("papier paintball", polish, english.has) == 1.0
    assert known_share("papier paintball", polish) == 0.5  # not known to be English: doubtful
    assert known_share("etui КПК", Lexicon("ru", "en", {"etui": pack([("case", 1.0)])})) == 0.5  # a Cyrillic one


class _Fixed:
    """An encoder with one fixed unit vector per text."""

    batch_size = 8
    max_alternatives = 3

    def __init__(self, name: str, dimension: int) -> None:
        self.id, self._dimension = name, dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode_queries(self, texts):
        rows = [np.random.default_rng(sum(map(ord, self.id + t))).normal(size=self._dimension) for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows]).astype("float32")

    encode_documents = encode_queries

    def encode_alternatives(self, groups):
        return self.encode_queries([", ".join(g) for g in groups])

    def encode_query_and_alternatives(self, text, alternatives):
        return self.encode_queries([text])[0], self.encode_alternatives([alternatives])[0]


def _composite() -> CompositeEncoder:
    from encoders.base import Encoder

    class Part(Encoder):
        def __init__(self, name: str, dimension: int) -> None:
            self.fixed = _Fixed(name, dimension)
            self.id = name

        @property
        def dimension(self) -> int:
            return self.fixed.dimension

        def _encode_batch(self, texts, kind):
            return self.fixed.encode_queries(texts)

    return CompositeEncoder([(Part("e5", 6), 0.8), (Part("use", 4), 0.2)])


def test_primary_only_ranks_as_the_primary_encoder_alone() -> None:
    composite = _composite()
    primary = primary_only(composite)
    docs = composite.encode_documents(["a", "b", "c", "d"])
    query = primary.encode_queries(["q"])[0]
    assert primary.dimension == composite.dimension and np.all(query[6:] == 0)
    e5 = composite.parts[0][0]
    alone = e5.encode_documents(["a", "b", "c", "d"]) @ e5.encode_queries(["q"])[0]
    assert list(np.argsort(-(docs @ query))) == list(np.argsort(-alone))


def test_the_companion_reads_only_the_languages_it_was_trained_on() -> None:
    rewriter = Rewriter(Settings(query_log=False), encoder=_composite(), translator=object())
    covered = np.array(rewriter._embed("napoje", "pl", []))  # Polish: multilingual USE knows it
    uncovered = np.array(rewriter._embed("kaffemaskiner", "da", []))  # Danish: it does not
    assert np.any(covered[6:] != 0)
    assert np.all(uncovered[6:] == 0)


def test_a_partly_translated_query_keeps_the_shares_and_an_untranslated_one_is_its_original() -> None:
    rewriter = Rewriter(Settings(query_log=False, query_vector_original_weight=0.5), encoder=_composite(),
                        translator=object())
    original = np.array(rewriter._embed("napoje", "pl", []))
    cosines = [float(np.dot(original, rewriter._embed("napoje", "pl", ["drinks"], trust))) for trust in (1.0, 0.5, 0.0)]
    assert cosines[0] == pytest.approx(cosines[1]) and cosines[1] < 0.999
    assert cosines[2] == pytest.approx(1.0, abs=1e-5)
    heavier = Rewriter(Settings(query_log=False, query_vector_original_weight=0.8), encoder=_composite(),
                       translator=object())
    assert float(np.dot(original, heavier._embed("napoje", "pl", ["drinks"], 0.5))) > cosines[1]


def _untranslated(lang: str, trust: float) -> RewrittenQuery:
    return RewrittenQuery(text="máy hút bụi", normalized="máy hút bụi", lang=lang, lang_confidence=1.0,
                          lang_method="given", translation_trust=trust, embedding=[0.1, 0.2],
                          translations={} if trust == 0 else {"en": [WeightedText(text="vacuum", weight=1.0)]})


def test_a_query_nothing_translated_must_match_every_word_of_its_text() -> None:
    body, names = request_body(_untranslated("vi", 0.0), mode="hybrid", size=10, from_=0, depth=100,
                               languages=CATALOG, filters=None)
    lexical = body["query"]["hybrid"]["queries"][0]["bool"]["should"]
    any_language = [c["multi_match"] for c in lexical if "multi_match" in c and c["multi_match"]["_name"] == "original:any"]
    assert any_language[0]["operator"] == "and"
    assert "every word" in names["original:any"]
    # Translated, or in a catalog language, the original matches any of its words as before.
    for query in (_untranslated("vi", 0.5), _untranslated("de", 0.0)):
        body, _ = request_body(query, mode="hybrid", size=10, from_=0, depth=100, languages=CATALOG, filters=None)
        clauses = body["query"]["hybrid"]["queries"][0]["bool"]["should"]
        assert all(c.get("multi_match", {}).get("operator") != "and" for c in clauses
                   if c.get("multi_match", {}).get("_name") == "original:any")
