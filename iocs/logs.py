"""Logging of both IOCs: a refused write is one line in the log, not a traceback.

caproto logs every write that a putter or a type conversion refuses with
``log.exception``: some 25 lines of traceback for a mistyped ``caput``. The
client already gets the reason (``ECA_PUTFAIL`` with the message); the IOC
log needs one line saying who was refused and why.
"""

from __future__ import annotations

import logging

__all__ = ["RefusedWriteFilter", "quiet_refused_writes", "refusal_reason"]

#: The logger caproto's server circuits log refused writes with.
CIRCUIT_LOGGER = "caproto.circ"
_PREFIX = "Invalid write request"


def refusal_reason(exc: BaseException) -> str:
    """``ConfigError: width 0 outside 64..2048``; the cause too when the message is empty."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if not str(exc) and cause is not None:
        text += f" ({type(cause).__name__}: {cause})"
    return text


class RefusedWriteFilter(logging.Filter):
    """Rewrites caproto's "Invalid write request" records to one line without traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; shorten it when it is a refused write."""
        if str(record.msg).startswith(_PREFIX) and record.exc_info:
            exc = record.exc_info[1]
            user, host = (record.args or ("?", "?", None))[:2]  # type: ignore[index]
            record.msg = "refused write by %s (%s): %s"
            record.args = (user, host, refusal_reason(exc) if exc else "?")
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_refused_writes() -> None:
    """Install :class:`RefusedWriteFilter` on caproto's circuit logger (idempotent)."""
    logger = logging.getLogger(CIRCUIT_LOGGER)
    if not any(isinstance(f, RefusedWriteFilter) for f in logger.filters):
        logger.addFilter(RefusedWriteFilter())
