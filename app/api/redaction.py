"""
Secrets never reach the logs: a feed URL carries its token in the path (calendar apps cannot
send headers), so the access log shows `pft_<token id>_…` instead of the secret.
"""

import logging
import re

__all__ = ["RedactSecrets", "install_redaction", "redact"]

_FEED_TOKEN = re.compile(r"(pft_[0-9a-f]{12}_)[A-Za-z0-9_-]+")
_API_KEY = re.compile(r"(pdh_[0-9a-f]{12}_)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """The text with the secret part of any feed token or API key replaced by `…`."""
    return _API_KEY.sub(r"\1…", _FEED_TOKEN.sub(r"\1…", text))


class RedactSecrets(logging.Filter):
    """Rewrites a log record's message arguments (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_redaction() -> None:
    """Add the filter to uvicorn's loggers, once."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
