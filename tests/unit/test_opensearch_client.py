"""The OpenSearch client's JSON: orjson where it can, the standard serializer where it cannot."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

from common.opensearch_client import FastJSONSerializer, make_client
from common.settings import Settings


def test_bodies_read_back_as_the_standard_serializer_writes_them() -> None:
    fast, standard = FastJSONSerializer(), JSONSerializer()
    body = {"query": {"match": {"title_i18n.zh": "跑鞋"}}, "size": 10, "knn": [0.125, -0.5, 1e-07],
            "vector": np.array([0.25, -0.75], dtype=np.float32), "nested": [{"a": None, "b": True}]}
    assert json.loads(fast.dumps(body)) == json.loads(standard.dumps(body))
    assert fast.dumps('{"already": "serialized"}') == '{"already": "serialized"}'


@pytest.mark.parametrize("odd", [{"text": "bad \udcff byte"}, {"price": Decimal("9.99")}, {1: "a key not a string"}])
def test_what_orjson_refuses_goes_to_the_standard_serializer(odd: dict) -> None:
    assert FastJSONSerializer().dumps(odd) == JSONSerializer().dumps(odd)


def test_an_unreadable_answer_is_a_serialization_error() -> None:
    assert FastJSONSerializer().loads(b'{"took": 3, "hits": {"total": 0}}') == {"took": 3, "hits": {"total": 0}}
    with pytest.raises(SerializationError):
        FastJSONSerializer().loads("<html>a proxy's error page</html>")


def test_the_client_writes_and_reads_json_with_it() -> None:
    transport = make_client(Settings(opensearch_url="http://127.0.0.1:9")).transport
    assert isinstance(transport.serializer, FastJSONSerializer)
    assert isinstance(transport.deserializer.serializers["application/json"], FastJSONSerializer)
