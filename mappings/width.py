"""The startup check that the encoder's vector width matches the index: workers, ingest and
search run it once, before any model work, so a mismatch is one clear error instead of every
product failing after it was embedded."""

from __future__ import annotations

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from mappings.install import VectorWidthError


def index_dimension(client: OpenSearch, alias: str) -> int | None:
    """The ``title_vector`` width of the index behind ``alias`` (None: no such index, or no vector field)."""
    try:
        mappings = client.indices.get_mapping(index=alias)
    except NotFoundError:
        return None
    for body in mappings.values():
        props = body.get("mappings", {}).get("properties", {})
        width = props.get("title_vector", {}).get("dimension")
        if width is not None:
            return int(width)
    return None


def check_vector_width(client: OpenSearch, alias: str, dimension: int) -> None:
    """Raise :class:`VectorWidthError` naming both widths and the fix when they differ."""
    found = index_dimension(client, alias)
    if found is not None and found != dimension:
        msg = (f"Index '{alias}' holds {found}-dimensional vectors but the configured encoder makes {dimension}: "
               f"run 'babelshop reindex --re-embed --index {alias}' to rebuild it with this encoder, or set "
               "BABELSHOP_EMBEDDER / BABELSHOP_COMPANION_ENCODER back to the encoder the index was built with.")
        raise VectorWidthError(msg)
