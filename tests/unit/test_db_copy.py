"""The pure parts of ``warroom db copy``: passwords hidden from what it prints, values checked by type."""

import sqlite3

import pytest

from storage.postgres import shown as hidden
from storage.copy_values import CONVERTERS, Unconvertible


@pytest.mark.parametrize("text,shown", [
    ("postgresql://warroom:s3cr%40t@db.internal:5432/warroom", "postgresql://warroom:***@db.internal:5432/warroom"),
    ("cannot reach PostgreSQL at postgresql://u:p@h/db: refused", "cannot reach PostgreSQL at postgresql://u:***@h/db: refused"),
    ("postgresql://u@h/db?sslmode=require&password=s3cret&application_name=x",
     "postgresql://u@h/db?sslmode=require&password=***&application_name=x"),
    ("host=h password='it\\'s s3cret' dbname=w", "host=h password=*** dbname=w"),  # libpq's quoting
    ("host=h PASSWORD = s3cret dbname=w", "host=h PASSWORD = *** dbname=w"),
    ("postgresql://warroom@db.internal/warroom", "postgresql://warroom@db.internal/warroom"),
])
def test_passwords_are_hidden_wherever_a_url_or_connection_string_carries_one(text, shown):
    assert hidden(text) == shown


POSTGRES_TYPE = {"INTEGER": "int8", "REAL": "float8", "TEXT": "text"}  # what postgres_ddl makes of each


def stored(declared: str, value):
    """``value`` as SQLite hands it back from a column declared ``declared`` (its affinity applied)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (v {declared})")
    conn.execute("INSERT INTO t VALUES (?)", (value,))
    return conn.execute("SELECT v FROM t").fetchone()[0]


@pytest.mark.parametrize("declared,value,expected", [
    ("INTEGER", 5, 5), ("INTEGER", "5", 5), ("INTEGER", 5.0, 5), ("INTEGER", True, 1), ("INTEGER", 2 ** 63 - 1, 2 ** 63 - 1),
    ("REAL", 5, 5.0), ("REAL", "1.5", 1.5), ("REAL", float("inf"), float("inf")),
    ("TEXT", 5, "5"), ("TEXT", 1.5, "1.5"), ("TEXT", "é 🔥", "é 🔥"),
    ("INTEGER", None, None), ("REAL", None, None), ("TEXT", None, None),
])
def test_what_sqlite_converts_itself_passes_unchanged(declared, value, expected):
    convert = CONVERTERS[POSTGRES_TYPE[declared]]
    converted = convert(stored(declared, value))
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize("declared,value,message", [
    ("INTEGER", 2.5, "2.5, but the column takes whole numbers (BIGINT)"),
    ("INTEGER", 1e19, "1e+19, but the column takes whole numbers (BIGINT)"),
    ("INTEGER", "n/a", "'n/a', but the column takes whole numbers (BIGINT)"),
    ("REAL", "soon", "'soon', but the column takes numbers (DOUBLE PRECISION)"),
    ("REAL", b"\x01\x02", "2 bytes of binary data, but the column takes numbers (DOUBLE PRECISION)"),
    ("TEXT", b"abc", "3 bytes of binary data, but the column takes text"),
    ("TEXT", "a\x00b", "'a\\x00b', with a NUL character, which PostgreSQL text cannot hold"),
    ("TEXT", "x" * 100 + "\x00", "'" + "x" * 36 + "..., with a NUL character, which PostgreSQL text cannot hold"),
])
def test_what_sqlite_let_through_is_named(declared, value, message):
    convert = CONVERTERS[POSTGRES_TYPE[declared]]
    with pytest.raises(Unconvertible) as refused:
        convert(stored(declared, value))
    assert str(refused.value) == message
