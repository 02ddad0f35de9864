"""Logging of both IOCs: a refused write is one line in the log, not a traceback.

caproto logs every write that a putter or a type conversion refuses with
``log.exception``: some 25 lines of traceback for a mistyped ``caput``. The
client already gets the reason (``ECA_PUTFAIL`` with the message); the IOC
log needs one line saying who was refused and why.
"""

from __future__ import annotations

import logging

__all__ = [
    "BACKLOG_WARNING",
    "BeaconFilter",
    "DemoteFilter",
    "RefusedWriteFilter",
    "quiet_noise",
    "quiet_refused_writes",
    "refusal_reason",
]

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
            args = record.args if isinstance(record.args, tuple) and record.args else ("?", "?")
            user, host = args[:2]
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


#: caproto's warning, once per image PV at start-up, that a frame-sized PV may hold
#: much memory in subscription queues: the image PVs are large on purpose.
BACKLOG_WARNING = "PV %r with up to %d elements has the potential"
#: caproto's records that are routine for these IOCs: (logger, start of the message).
#: A client connecting or leaving is not news at INFO.
ROUTINE = (
    ("caproto.ctx", "Connected to new client"),
    ("caproto.ctx", "Disconnected from client"),
    ("caproto.circ", "Connected to new client"),
    ("caproto.circ", "Disconnected from client"),
)


class DemoteFilter(logging.Filter):
    """Lowers records whose message starts with one of ``starts`` to DEBUG.

    A filter on a logger runs before its handlers, so a demoted record is
    shown only where a handler takes DEBUG (``-vv``).
    """

    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, at DEBUG when it is routine; drop it if the logger is above DEBUG."""
        if str(record.msg).startswith(self.starts):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """True when ``exc`` or an exception in its cause/context chain is a ``kind``."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class BeaconFilter(logging.Filter):
    """caproto's "Failed to send beacon" tracebacks, as one line, once per address.

    A beacon is a datagram nobody must answer. A unicast beacon address with
    nothing listening (no ``caRepeater`` running yet) makes the next send
    fail with "connection refused": routine, DEBUG. Any other failure is one
    WARNING line the first time for each address.
    """

    START = "Failed to send beacon"

    def __init__(self) -> None:
        super().__init__()
        self._told: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, shortened; drop repeats and routine refusals above DEBUG."""
        if not str(record.msg).startswith(self.START):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        address = str(record.args[0]) if record.args else "?"  # type: ignore[index]
        record.msg, record.args = "beacon to %s failed: %s", (address, exc or "?")
        record.exc_info, record.exc_text = None, None
        logger = logging.getLogger(record.name)
        if _caused_by(exc, ConnectionRefusedError):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logger.isEnabledFor(logging.DEBUG)
        if address in self._told:
            return False
        self._told.add(address)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_noise() -> None:
    """Demote caproto's routine records (:data:`ROUTINE`) to DEBUG, shorten beacon errors.

    Idempotent.
    """
    by_logger: dict[str, list[str]] = {}
    for name, start in ROUTINE:
        by_logger.setdefault(name, []).append(start)
    for name, starts in by_logger.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DemoteFilter) for f in logger.filters):
            logger.addFilter(DemoteFilter(tuple(starts)))
    context = logging.getLogger("caproto.ctx")
    if not any(isinstance(f, BeaconFilter) for f in context.filters):
        context.addFilter(BeaconFilter())
