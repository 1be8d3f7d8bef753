"""The OpenSearch client both sides use, built from settings (URL, basic auth, TLS)."""

from __future__ import annotations

from opensearchpy import OpenSearch

from babelcore.settings import Settings, get_settings


def make_client(settings: Settings | None = None, **overrides: object) -> OpenSearch:
    """A client for ``settings.opensearch_url``; nothing connects until the first request."""
    settings = settings or get_settings()
    kwargs: dict[str, object] = {
        "hosts": [settings.opensearch_url],
        "timeout": settings.opensearch_timeout_s,
        "http_compress": False,
        "retry_on_timeout": True,
        "max_retries": 2,
    }
    if settings.opensearch_user:
        password = settings.opensearch_password.get_secret_value() if settings.opensearch_password else ""
        kwargs["http_auth"] = (settings.opensearch_user, password)
    if settings.opensearch_url.startswith("https"):
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = settings.opensearch_verify_certs
        kwargs["ssl_show_warn"] = settings.opensearch_verify_certs
        if settings.opensearch_ca_certs:
            kwargs["ca_certs"] = str(settings.opensearch_ca_certs)
    kwargs.update(overrides)
    return OpenSearch(**kwargs)
