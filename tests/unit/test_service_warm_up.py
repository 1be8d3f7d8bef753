"""The service's start: models loaded before serving, cached dictionaries of every query
language read in the background, nothing built there."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from common.settings import Settings
from service.app import Service


class _Translator:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[tuple[str, ...], bool]] = []
        self.fail = fail
        self.release = threading.Event()

    def preload(self, languages, *, build=True):
        self.release.wait(5)
        self.calls.append((tuple(languages), build))
        if self.fail:
            raise OSError("disk gone")
        return tuple(languages)


def _searcher(translator: _Translator) -> SimpleNamespace:
    rewritten: list[str] = []
    rewriter = SimpleNamespace(translator=translator, query_languages=("en", "de", "fi"),
                               warm_up=lambda: rewritten.append("warm up"))
    return SimpleNamespace(rewriter=rewriter, query_log=None, rewritten=rewritten)


def test_serving_starts_before_the_dictionaries_are_read_which_builds_nothing() -> None:
    translator = _Translator()
    searcher = _searcher(translator)
    service = Service(Settings(), searcher=searcher)
    service.load()
    assert service.loaded and searcher.rewritten == ["warm up"]
    assert translator.calls == []  # still reading in the background: serving did not wait
    assert service.dictionaries_state() == "loading"
    translator.release.set()
    service.preloading.join(5)
    assert translator.calls == [(("en", "de", "fi"), False)]
    assert service.dictionaries_state() == "loaded"


def test_a_failed_preload_leaves_the_service_serving(caplog) -> None:
    translator = _Translator(fail=True)
    translator.release.set()
    service = Service(Settings(), searcher=_searcher(translator))
    service.load()
    service.preloading.join(5)
    assert service.loaded and translator.calls
    assert "preloading the query languages' dictionaries failed" in caplog.text
