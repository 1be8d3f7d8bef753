"""Make any shopper input safe and searchable text, or say clearly why it is not."""

from __future__ import annotations

import re
import unicodedata

from query_rewriter.contracts import QueryError

#: Longer queries are cut at a word boundary: no product title needs more, and analyzers and
#: the encoder then see a bounded input whatever a client sends.
MAX_QUERY_CHARS = 256
_SPACE = re.compile(r"\s+")


def normalize_query(text: str | None) -> str:
    """NFKC, control and format characters removed, whitespace collapsed, length bounded."""
    if text is None:
        msg = "The query is missing: pass the text to search for."
        raise QueryError(msg)
    text = unicodedata.normalize("NFKC", str(text))
    # Control (Cc), format (Cf: bidi marks, zero-width), surrogates and unassigned code points
    # carry no meaning for search and can confuse tokenizers.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch for ch in text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut[MAX_QUERY_CHARS // 2:] else cut
    if not any(ch.isalnum() for ch in text):
        msg = "The query has no letters or digits to search for: type a product name, e.g. 'running shoes'."
        raise QueryError(msg)
    return text
