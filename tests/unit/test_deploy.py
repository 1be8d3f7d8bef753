"""Deployment files: docker-compose validated by the real docker-compose (no engine needed),
Dashboards saved objects consistent and importable."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from babelshop.dashboards import NDJSON, import_objects, saved_objects, to_ndjson

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_docker_compose_config_is_valid() -> None:
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose is missing: `make test` installs Debian's docker-compose package"
    env = {**{k: v for k, v in os.environ.items() if k != "OPENSEARCH_VERSION"},
           "OPENSEARCH_ADMIN_PASSWORD": "Test-Only-Passw0rd!"}
    result = subprocess.run([compose, "-f", str(ROOT / "docker-compose.yml"), "config"], capture_output=True,
                            text=True, env=env, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"opensearch", "dashboards", "redis", "setup", "worker", "search"}
    # The 3.x line by default; OPENSEARCH_VERSION switches both images to another line.
    assert services["opensearch"]["image"] == "opensearchproject/opensearch:3.6.0"
    assert services["dashboards"]["image"] == "opensearchproject/opensearch-dashboards:3.6.0"
    assert "healthcheck" in services["opensearch"]
    assert services["worker"]["environment"]["BABELSHOP_OPENSEARCH_PASSWORD"] == "Test-Only-Passw0rd!"
    # The HTTP search service listens on every interface inside its container, after setup.
    search = services["search"]
    assert search["command"][:2] == ["babelshop", "serve"] and search["command"][2:4] == ["--host", "0.0.0.0"]
    assert search["environment"]["BABELSHOP_OPENSEARCH_PASSWORD"] == "Test-Only-Passw0rd!"
    assert search["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert any(str(p.get("target")) == "8000" for p in search["ports"])
    assert "/healthz" in " ".join(search["healthcheck"]["test"])


@pytest.mark.slow
def test_docker_compose_switches_both_images_to_the_2_19_line() -> None:
    env = {**os.environ, "OPENSEARCH_ADMIN_PASSWORD": "Test-Only-Passw0rd!", "OPENSEARCH_VERSION": "2.19.1"}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"], capture_output=True,
                            text=True, env=env, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services["opensearch"]["image"] == "opensearchproject/opensearch:2.19.1"
    assert services["dashboards"]["image"] == "opensearchproject/opensearch-dashboards:2.19.1"


@pytest.mark.slow
def test_docker_compose_refuses_to_run_without_a_password() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENSEARCH_ADMIN_PASSWORD"}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, cwd="/", check=False)
    assert result.returncode != 0 and "OPENSEARCH_ADMIN_PASSWORD" in result.stderr


def test_committed_saved_objects_match_the_generator() -> None:
    assert NDJSON.read_text(encoding="utf-8") == to_ndjson(saved_objects("products"))


def test_saved_objects_reference_only_objects_they_define() -> None:
    objects = saved_objects("shop")
    ids = {o["id"] for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert ref["id"] in ids, (obj["id"], ref)
    titles = {o["attributes"]["title"] for o in objects}
    assert {"shop", "shop-querylog", "babelshop: zero-result queries"} <= titles
    zero = next(o for o in objects if o["attributes"]["title"] == "babelshop: zero-result queries")
    assert "zero_results:true" in zero["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"]


@pytest.mark.slow
def test_import_posts_ndjson_with_the_xsrf_header() -> None:
    seen: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["path"] = self.path
            seen["xsrf"] = self.headers.get("osd-xsrf")
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            payload = json.dumps({"success": True, "successCount": 7}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        result = import_objects(f"http://127.0.0.1:{server.server_port}", to_ndjson(saved_objects()))
    finally:
        thread.join(5)
        server.server_close()
    assert result["successCount"] == 7
    assert seen["path"] == "/api/saved_objects/_import?overwrite=true" and seen["xsrf"] == "true"
    assert b'"type": "dashboard"' in seen["body"]


def test_the_image_copies_every_package_and_installs_the_registrys_dictionaries() -> None:
    """A package left out of the Dockerfile (the HTTP service once was) breaks the image at run
    time only; the dictionaries must follow the language registry, not a list of their own."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    assert set(packages) <= copied, sorted(set(packages) - copied)
    assert "debian_packages()" in dockerfile and "dict-freedict-" not in dockerfile
