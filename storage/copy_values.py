"""SQLite's loosely typed values, checked against the exact types of warroom's PostgreSQL columns.

SQLite keeps a type per value, not per column: a column's declared type is an affinity that converts
what it can without loss (``'5'`` into an INTEGER column is stored as 5, 5 into a REAL column as 5.0,
5 into a TEXT column as ``'5'``) and stores anything else as given (``'n/a'`` stays text in an INTEGER
column, 2.5 stays a float there). So a value read back has its column's type, or is one of those
leftovers, which PostgreSQL's typed columns cannot take. Each check passes a value of the right type
through unchanged and names any other; nothing is guessed (no text parsed into a number, no number
rounded or turned into text).
"""

from __future__ import annotations

from typing import Any, Callable

Converter = Callable[[Any], Any]


class Unconvertible(ValueError):
    """The value cannot be stored in the column's type; the message says what it is and what the column takes."""


def _described(value: Any) -> str:
    if isinstance(value, bytes):
        return f"{len(value)} bytes of binary data"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_bigint(value: Any) -> int | None:
    if value is None or type(value) is int:  # SQLite's integers are 64-bit, as BIGINT is
        return value
    raise Unconvertible(f"{_described(value)}, but the column takes whole numbers (BIGINT)")


def to_double(value: Any) -> float | None:
    if value is None or type(value) is float:
        return value
    raise Unconvertible(f"{_described(value)}, but the column takes numbers (DOUBLE PRECISION)")


def to_text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise Unconvertible(f"{_described(value)}, but the column takes text")
    if "\x00" in value:
        raise Unconvertible(f"{_described(value)}, with a NUL character, which PostgreSQL text cannot hold")
    return value


# by the column's type as PostgreSQL names it (information_schema's udt_name): every type
# storage.migrations.postgres_ddl writes
CONVERTERS: dict[str, Converter] = {"int8": to_bigint, "float8": to_double, "text": to_text}
