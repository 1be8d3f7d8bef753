"""The translator contract (weights, batching, caching), load_translator, and the transformers
backend's plumbing on a tiny MarianMT model with random weights built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.settings import Settings
from translation import Translation, TranslationError, Translator, load_translator
from translation.base import LruCache

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")


class EchoTranslator(Translator):
    """Uppercases; offers the text reversed as a weaker alternative. Counts backend calls."""

    id = "echo"

    def __init__(self, cache_size: int = 100) -> None:
        super().__init__(cache_size)
        self.batches: list[list[str]] = []

    def _translate_batch(self, texts, source, target, max_candidates):
        self.batches.append(list(texts))
        return [[Translation(t.upper(), 0.8), Translation(t[::-1], 0.4), Translation(t.upper(), 0.1)] for t in texts]


def test_alternatives_are_scaled_deduplicated_and_cut() -> None:
    result = EchoTranslator().translate("shoe", "en", "de")
    assert result == [Translation("SHOE", 1.0), Translation("eohs", 0.5)]
    assert EchoTranslator().translate("shoe", "en", "de", max_candidates=1) == [Translation("SHOE", 1.0)]


def test_same_language_returns_the_text_itself() -> None:
    translator = EchoTranslator()
    assert translator.translate("Laufschuhe", "de", "DE") == [Translation("Laufschuhe", 1.0)]
    assert translator.translate_many(["a", "b"], "zh-CN", "zh") == [[Translation("a", 1.0)], [Translation("b", 1.0)]]
    assert translator.batches == []


def test_translate_many_batches_keeps_order_and_runs_duplicates_once() -> None:
    translator = EchoTranslator()
    result = translator.translate_many(["a", "b", "a", "", "c"], "en", "de")
    assert [r[0].text for r in result] == ["A", "B", "A", "", "C"]
    assert translator.batches == [["a", "b", "c"]]  # one batch, no duplicate, no empty text


def test_results_are_cached_per_text_and_language_pair() -> None:
    translator = EchoTranslator()
    translator.translate_many(["a", "b"], "en", "de")
    translator.translate_many(["b", "c"], "en", "de")
    translator.translate("c", "en", "fr")
    assert translator.batches == [["a", "b"], ["c"], ["c"]]
    assert translator.cache.hits == 1


def test_the_cache_is_bounded() -> None:
    cache = LruCache(2)
    for key in ("a", "b", "a", "c"):
        cache.put((key, "en", "de", 3), [Translation(key, 1.0)])
    assert len(cache) == 2
    assert cache.get(("b", "en", "de", 3)) is None  # least recently used went first
    assert cache.get(("a", "en", "de", 3)) is not None
    assert (cache.hits, cache.misses) == (1, 1)
    off = LruCache(0)
    off.put(("a", "en", "de", 3), [Translation("a", 1.0)])
    assert len(off) == 0 and off.get(("a", "en", "de", 3)) is None


def test_a_model_translator_offers_no_lexicon() -> None:
    assert EchoTranslator().lexicon_for("de", "en") is None


def test_max_candidates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_candidates=0"):
        EchoTranslator().translate("a", "en", "de", max_candidates=0)


def test_load_translator_keeps_one_instance_per_choice(tmp_path: Path) -> None:
    from translation.dictionary import DictionaryTranslator

    first = load_translator(Settings(translator="dictionary", cache_dir=tmp_path))
    assert isinstance(first, DictionaryTranslator)
    assert load_translator(Settings(translator="dictionary", cache_dir=tmp_path)) is first
    assert load_translator(Settings(translator="dictionary", cache_dir=tmp_path / "other")) is not first


def test_transformers_translator_needs_a_model() -> None:
    with pytest.raises(TranslationError, match="BABELSHOP_TRANSLATOR_MODEL"):
        load_translator(Settings(translator="transformers", translator_model=None))


def test_an_opus_model_refuses_another_pair() -> None:
    from translation.transformers_mt import TransformersTranslator

    translator = TransformersTranslator("Helsinki-NLP/opus-mt-zh-en")
    with pytest.raises(TranslationError, match=r"translates zh->en, not de->en"):
        translator.translate("Laufschuhe", "de", "en")
    assert TransformersTranslator("Helsinki-NLP/opus-mt-{src}-{tgt}").model_for("de", "en") == (
        "Helsinki-NLP/opus-mt-de-en"
    )


@pytest.mark.slow
def test_a_missing_model_reads_as_a_sentence(tmp_path: Path) -> None:
    from translation.transformers_mt import TransformersTranslator

    pytest.importorskip("transformers")
    with pytest.raises(TranslationError, match="Cannot load the translation model"):
        TransformersTranslator(str(tmp_path / "nothing-here")).translate("a", "en", "de")


# -- a tiny MarianMT model ------------------------------------------------------------------

SOURCE = ["running shoes for men", "black coffee machine", "red running shoes", "coffee maker with grinder"]
TARGET = ["Laufschuhe für Herren", "schwarze Kaffeemaschine", "rote Laufschuhe", "Kaffeemaschine mit Mahlwerk"]


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MarianMT model with random weights and SentencePiece vocabularies trained on 4 lines."""
    spm = pytest.importorskip("sentencepiece")
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("opus-mt-en-de")
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for name, lines in (("source", SOURCE), ("target", TARGET)):
        corpus = folder / f"{name}.txt"
        corpus.write_text("\n".join(lines * 4), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(folder / name), vocab_size=30, hard_vocab_limit=False,
            character_coverage=1.0, bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0, minloglevel=2,
        )  # fmt: skip
        (folder / f"{name}.model").rename(folder / f"{name}.spm")
        processor = spm.SentencePieceProcessor(model_file=str(folder / f"{name}.spm"))
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = transformers.MarianTokenizer(
        str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"),
        source_lang="en", target_lang="de",
    )  # fmt: skip
    torch.manual_seed(0)
    config = transformers.MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        pad_token_id=2, eos_token_id=0, decoder_start_token_id=2, forced_eos_token_id=0,
    )  # fmt: skip
    transformers.MarianMTModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_marian_batches_and_weighs_beam_alternatives(tiny_marian: Path) -> None:
    from translation.transformers_mt import TransformersTranslator

    translator = TransformersTranslator(str(tiny_marian), device="cpu", batch_size=2, max_new_tokens=6)
    results = translator.translate_many(["running shoes", "black coffee machine", "red shoes"], "en", "de")
    assert len(results) == 3
    assert translator.generate_calls == 2  # batches of two
    for alternatives in results:
        assert 1 <= len(alternatives) <= 3
        assert alternatives[0].weight == 1.0
        assert all(0 < a.weight <= 1.0 for a in alternatives)
        assert [a.weight for a in alternatives] == sorted((a.weight for a in alternatives), reverse=True)
        assert len({a.text for a in alternatives}) == len(alternatives)


@pytest.mark.slow
def test_marian_results_are_cached_and_deterministic(tiny_marian: Path) -> None:
    from translation.transformers_mt import TransformersTranslator

    translator = TransformersTranslator(str(tiny_marian), device="cpu", max_new_tokens=6)
    first = translator.translate("coffee maker with grinder", "en", "de", max_candidates=2)
    again = translator.translate("coffee maker with grinder", "en", "de", max_candidates=2)
    assert first == again
    assert translator.generate_calls == 1
    assert len(first) <= 2
    fresh = TransformersTranslator(str(tiny_marian), device="cpu", max_new_tokens=6)
    assert fresh.translate("coffee maker with grinder", "en", "de", max_candidates=2) == first


@pytest.mark.slow
def test_load_translator_builds_the_transformers_backend(tiny_marian: Path, tmp_path: Path) -> None:
    from translation.transformers_mt import TransformersTranslator

    settings = Settings(translator="transformers", translator_model=str(tiny_marian), device="cpu", cache_dir=tmp_path)
    translator = load_translator(settings)
    assert isinstance(translator, TransformersTranslator)
    assert translator.id == f"transformers:{tiny_marian}"
    assert translator.translate("red running shoes", "en", "de")[0].weight == 1.0
