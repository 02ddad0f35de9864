"""Where a key is in TOML text: the line numbers of error messages. Pure logic.

``tomllib`` gives values but not where they came from; these functions read
the text again, roughly: table headers (``[charts.scan]``, ``[[a.b]]``,
quoted parts such as ``[charts."a b"]``) and ``key = value`` lines with
dotted keys (``scan.width = 3`` under ``[charts]``). Values are skipped
(multi-line strings and arrays included) so that a line inside them is never
taken for a key. Enough for messages, not a TOML parser: when the text is
not understood the answer is None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

__all__ = ["dotted", "find_line", "key_lines"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def dotted(path: Sequence[str]) -> str:
    """``("charts", "a b", "x")`` -> ``charts."a b".x``: a key path as TOML writes it."""
    return ".".join(p if _BARE.fullmatch(p) else '"' + _quote(p) + '"' for p in path)


def _quote(part: str) -> str:
    out = part.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in out)


def _key(line: str, pos: int) -> tuple[list[str], int] | None:
    """The dotted key at ``line[pos:]`` and the position after it, or None."""
    parts: list[str] = []
    while True:
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line.startswith('"', pos):
            part, pos = _basic_string(line, pos + 1)
            if pos < 0:
                return None
        elif line.startswith("'", pos):
            end = line.find("'", pos + 1)
            if end < 0:
                return None
            part, pos = line[pos + 1 : end], end + 1
        else:
            bare = _BARE.match(line, pos)
            if not bare:
                return None
            part, pos = bare.group(), bare.end()
        parts.append(part)
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if not line.startswith(".", pos):
            return parts, pos
        pos += 1


def _basic_string(line: str, pos: int) -> tuple[str, int]:
    """The ``"..."`` string whose text starts at ``pos``; position -1 if unterminated."""
    out: list[str] = []
    while pos < len(line):
        c = line[pos]
        if c == '"':
            return "".join(out), pos + 1
        if c == "\\" and pos + 1 < len(line):
            pos += 1
            c = line[pos]
            if c in "uU":
                size = 4 if c == "u" else 8
                try:
                    out.append(chr(int(line[pos + 1 : pos + 1 + size], 16)))
                except ValueError:
                    return "", -1
                pos += size
            else:
                out.append(_ESCAPES.get(c, c))
        else:
            out.append(c)
        pos += 1
    return "", -1


def _skip_value(line: str, pos: int, open_string: str, depth: int) -> tuple[str, int]:
    """Read a value from ``line[pos:]``; the still open multi-line string and bracket depth."""
    while pos < len(line):
        if open_string:
            if line[pos] == "\\" and open_string == '"""':
                pos += 2
                continue
            if line.startswith(open_string, pos):
                pos += 3
                while line.startswith(open_string[0], pos):  # """a"""" ends in a quote
                    pos += 1
                open_string = ""
                continue
            pos += 1
            continue
        c = line[pos]
        if c == "#":
            break
        if line.startswith('"""', pos) or line.startswith("'''", pos):
            open_string, pos = line[pos : pos + 3], pos + 3
            continue
        if c == '"':
            _, pos = _basic_string(line, pos + 1)
            if pos < 0:
                break
            continue
        if c == "'":
            end = line.find("'", pos + 1)
            pos = len(line) if end < 0 else end + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        pos += 1
    return open_string, depth


def key_lines(text: str) -> Iterator[tuple[int, tuple[str, ...], bool]]:
    """Each header and key of ``text``: (line number from 1, full key path, is a header)."""
    table: tuple[str, ...] = ()
    open_string, depth = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string or depth > 0:
            open_string, depth = _skip_value(line, 0, open_string, depth)
            continue
        stripped = line.lstrip(" \t")
        pos = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            brackets = 2 if stripped.startswith("[[") else 1
            parsed = _key(line, pos + brackets)
            if parsed is None or not line.startswith("]" * brackets, parsed[1]):
                table = ()  # not understood: keys below it are not placed anywhere
                continue
            table = tuple(parsed[0])
            yield number, table, True
            continue
        parsed = _key(line, pos)
        if parsed is None or not line.startswith("=", parsed[1]):
            continue
        yield number, (*table, *parsed[0]), False
        open_string, depth = _skip_value(line, parsed[1] + 1, "", 0)


def find_line(text: str, path: Sequence[str]) -> int | None:
    """The line (from 1) where ``path``, e.g. ``("charts", "scan", "width")``, is given.

    The first header or key equal to ``path`` or below it (``scan.width = 3``
    gives ``("charts", "scan")``); else the ``key = value`` line of the
    nearest key above it (``scan = {width = 3}``); None if none of these.
    """
    target = tuple(path)
    if not target:
        return None
    enclosing: tuple[int, int] | None = None  # (length of the key, line)
    for number, key, header in key_lines(text):
        if key[: len(target)] == target:
            return number
        above = not header and len(key) < len(target) and target[: len(key)] == key
        if above and (enclosing is None or len(key) > enclosing[0]):
            enclosing = (len(key), number)
    return enclosing[1] if enclosing else None
