"""Inflected forms of a lexicon's headwords, from simplemma's word lists.

Dictionaries list lemmas ("пила", "ленточная пила", "napój"); shoppers type inflected forms
("пилы", "ленточные пилы", "napoje"). Suffix rules and stemming guess at the lemma;
simplemma's lists (built from Wiktionary, for about fifty languages) know it.
:func:`forms_of_headwords` keeps only what leads to the lexicon at hand, so a lexicon carries a
small map instead of a whole language's word list (Polish alone takes hundreds of megabytes in
memory)::

    forms = forms_of_headwords("ru", lexicon_keys)
    forms.headword("пилы")             # "пила"
    forms.headword("ленточные пилы")   # "ленточная пила": each word by its lemma
    forms.headword("зубная щетка")     # "зубная щётка": ё is often written е
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata

from common.text import normalize_term
from languages.registry import lemma_code

#: Russian and its neighbours often write ё as е; keys are matched with both as е.
YO = str.maketrans({"ё": "е"})


def stamp() -> str:
    """Names the word lists a cached map was made from (another release may differ), or ""
    where simplemma is missing. Part of the map's file stamp, with this module's format."""
    try:
        return f"simplemma {metadata.version('simplemma')}, forms 2"
    except metadata.PackageNotFoundError:
        return ""


@dataclass(frozen=True, slots=True)
class Forms:
    """Ways to reach a headword from a form it does not list as written."""

    #: One-word form (inflected, or with е for ё) -> the one-word headword.
    words: dict[str, str] = field(default_factory=dict)
    #: A word of some phrase headword, in any form -> its lemma.
    lemmas: dict[str, str] = field(default_factory=dict)
    #: A phrase headword with every word as its lemma -> the headword.
    phrases: dict[str, str] = field(default_factory=dict)
    #: A one-word headword that is only an inflected form of another one -> that one: a reverse
    #: dictionary lists plurals its own headwords translate into ("принадлежности" under
    #: "tackle"), while the lemma's entry ("принадлежность": accessory) has the common senses.
    inflected: dict[str, str] = field(default_factory=dict)

    def headword(self, key: str) -> str | None:
        """The headword a normalised key is a form of, or None."""
        key = key.translate(YO)
        if " " not in key:
            return self.words.get(key)
        return self.phrases.get(" ".join(self.lemmas.get(w, w) for w in key.split(" ")))


def forms_of_headwords(lang: str, headwords: Iterable[str]) -> Forms:
    """The :class:`Forms` of a lexicon's headwords in ``lang``; where simplemma has no list for it
    or is not installed, only ё is folded. One pass over the language's list (millions of
    forms for Polish): only forms that lead somewhere are normalised."""
    keys = set(headwords)
    one_word = {k.translate(YO): k for k in keys if " " not in k}
    phrase_pairs = [(k.translate(YO), k) for k in keys if " " in k]
    words = {folded: k for folded, k in one_word.items() if folded != k}
    code = lemma_code(lang)
    if code is None or not stamp():
        return Forms(words, {}, dict(phrase_pairs))
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    listed = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(code)
    phrase_words = {w for folded, _ in phrase_pairs for w in folded.split(" ")}
    # A phrase word's lemma is the word itself or what the list gives for it: forms of either
    # are kept until the list has been read and it is known which one applies.
    candidates = phrase_words | {_listed_lemma(listed, w) or w for w in phrase_words}
    lemma_memo: dict[str, str] = {}
    phrase_forms: list[tuple[str, str]] = []
    inflected: dict[str, str] = {}
    for form, lemma in listed.items():
        its_lemma = lemma_memo.get(lemma)
        if its_lemma is None:
            its_lemma = lemma_memo[lemma] = _norm(lemma)
        target = one_word.get(its_lemma)
        if target is None and its_lemma not in candidates:
            continue
        form = _norm(form)
        if form == its_lemma:
            continue
        if its_lemma in candidates:
            phrase_forms.append((form, its_lemma))
        # A headword is always looked up as written; only its other forms need a way in. The
        # lowercase entry wins: "domków" is a form of "domek", "Domków" of the place "Domkowo".
        if target is not None and form not in one_word and (form not in words or form.islower()):
            words[form] = target
        elif target is not None and form in one_word:
            inflected.setdefault(form, target)
    # A word that is some entry's lemma stays itself: "пила" (a saw) is also listed as a form
    # of "пить" (she drank), and a phrase's nouns are mostly in their lemma form already.
    known = set(lemma_memo.values())
    inflected = {form: target for form, target in inflected.items() if form not in known}

    def lemma_of(word: str) -> str:
        return word if word in known else (_listed_lemma(listed, word) or word)

    wanted = {lemma_of(w) for w in phrase_words}
    lemmas = {form: lemma for form, lemma in phrase_forms if lemma in wanted and form not in known}
    phrases: dict[str, str] = {}
    for folded, k in phrase_pairs:
        phrases.setdefault(" ".join(lemma_of(w) for w in folded.split(" ")), k)
    return Forms(words, lemmas, phrases, inflected)


def _listed_lemma(listed, word: str) -> str | None:
    """The list's lemma of a normalised word, which the list may hold capitalised (German nouns)."""
    found = listed.get(word) or listed.get(word.capitalize())
    return _norm(found) if found else None


def _norm(text: str) -> str:
    """``normalize_term`` with ё as е, quick for the usual already-clean word."""
    if text.isascii() or (text.islower() and " " not in text and unicodedata.is_normalized("NFKC", text)):
        text = text.lower()
    else:
        text = normalize_term(text)
    return text.translate(YO) if "ё" in text else text
