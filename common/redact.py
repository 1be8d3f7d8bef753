"""Credentials never leave the process in text: URLs keep their host, lose their password.

``redact`` is applied to every error message babelshop builds (see ``common.errors``) and to
log records through :class:`RedactingFilter`.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
# scheme://user:password@host  or  scheme://:password@host  (Redis URLs often have no user)
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@")


def mask_url(url: str) -> str:
    """``http://user:secret@host:9200`` -> ``http://user:***@host:9200``; other URLs unchanged."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url)


def redact(text: str) -> str:
    """``text`` with the password of every URL in it masked."""
    return mask_url(str(text))


class RedactingFilter(logging.Filter):
    """A logging filter that masks URL passwords in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(record.msg)
        return True
