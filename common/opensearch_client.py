"""The OpenSearch client both sides use, built from settings (URL, basic auth, TLS)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

from common.settings import Settings, get_settings


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``http://user:secret@host:9200`` -> (``http://host:9200``, ("user", "secret")).

    The client authenticates with credentials given apart from the host; kept inside the host,
    opensearch-py would show them in the client's repr."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, (unquote(parts.username or ""), unquote(parts.password or ""))


class FastJSONSerializer(JSONSerializer):
    """opensearch-py's JSON, written and read by orjson: every search body carries the query
    vector, and bulk requests carry the products', so the standard library's encoder was a
    visible share of a search's time in the client. Whatever orjson refuses (a lone surrogate,
    a key that is not a string, a type it does not know) goes to the standard serializer, so
    the output never differs in what it accepts."""

    def dumps(self, data: object) -> str:
        if isinstance(data, (str, bytes)):  # already serialized, as the standard one takes it
            return data  # type: ignore[return-value]
        try:
            return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().dumps(data)

    def loads(self, s: str | bytes) -> object:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError as exc:
            raise SerializationError(s, exc) from exc


#: Connections kept per node: a Searcher or a service is called from many threads.
POOL_MAXSIZE = 16


def make_client(settings: Settings | None = None, **overrides: object) -> OpenSearch:
    """A client for ``settings.opensearch_url``; nothing connects until the first request.

    The URL may name several nodes of one cluster, comma-separated: a request that cannot reach
    one is retried on the next. Basic auth comes from BABELSHOP_OPENSEARCH_USER / _PASSWORD,
    else from the (first) URL's userinfo."""
    settings = settings or get_settings()
    hosts, auths = [], []
    for part in settings.opensearch_url.split(","):
        if part.strip():
            host, auth = split_credentials(part.strip())
            hosts.append(host)
            auths.append(auth)
    url, url_auth = hosts[0], next((a for a in auths if a), None)
    kwargs: dict[str, object] = {
        "hosts": hosts,
        "timeout": settings.opensearch_timeout_s,
        "http_compress": False,
        "retry_on_timeout": True,
        "max_retries": max(2, len(hosts)),
        "pool_maxsize": POOL_MAXSIZE,
        "serializer": FastJSONSerializer(),
    }
    if settings.opensearch_user:
        password = settings.opensearch_password.get_secret_value() if settings.opensearch_password else ""
        kwargs["http_auth"] = (settings.opensearch_user, password)
    elif url_auth is not None:
        kwargs["http_auth"] = url_auth
    if url.startswith("https"):
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = settings.opensearch_verify_certs
        kwargs["ssl_show_warn"] = settings.opensearch_verify_certs
        if settings.opensearch_ca_certs:
            kwargs["ca_certs"] = str(settings.opensearch_ca_certs)
    kwargs.update(overrides)
    return OpenSearch(**kwargs)
