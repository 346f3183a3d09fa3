"""An error as one line: what a job says on stderr, or in a failed batch's message."""

from __future__ import annotations


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The error's first line (its type's name when it has no message), at most `limit`
    characters: an error from Spark runs on with pages of JVM stack."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:limit]
