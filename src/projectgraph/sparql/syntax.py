"""Where pyoxigraph's parser says a query is wrong: its message, line and column."""

from __future__ import annotations

import re

_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def syntax_error(error: SyntaxError) -> tuple[str, int | None, int | None]:
    """``(message, line, column)`` of a SyntaxError from ``Store.query`` (1-based; the
    position is None when the parser gave none)."""
    message = str(error.msg)
    match = _POSITION.match(message)
    if match is None:
        return message, None, None
    return message[match.end() :], int(match[1]), int(match[2])
