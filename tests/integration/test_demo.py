"""`make demo` on the real engine, run the way a script or CI runs it: no terminal, so it ends."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from tests.helpers import remove_alias

pytestmark = pytest.mark.integration


def test_the_demo_searches_serves_and_ends_without_a_terminal(client: OpenSearch, settings: Settings) -> None:
    alias = f"demo-{uuid.uuid4().hex[:8]}"
    port = urlsplit(settings.opensearch_url).port or 9200
    env = {**os.environ, "BABELSHOP_INDEX": alias}
    try:
        result = subprocess.run([sys.executable, "-m", "babelshop.cli", "demo", "--port", str(port), "--serve-port", "0"],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=900,
                                check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stderr
        assert "answered 200" in result.stdout and "cross-lingual search" in result.stdout
        assert client.count(index=alias)["count"] > 0
    finally:
        remove_alias(client, alias)
