"""Everything a warroom database holds, read the same way from either engine, to compare two of them."""

from __future__ import annotations

from harness.bots import query

Contents = dict[str, list[tuple]]


def warroom_tables(sqlite_path: str) -> dict[str, list[str]]:
    """Each warroom table of a SQLite database with its columns (schema_migrations aside: each engine
    records when it migrated)."""
    tables = [name for (name,) in query(sqlite_path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                                     "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'")]
    return {table: [row[1] for row in query(sqlite_path, f'PRAGMA table_info("{table}")')] for table in tables}


def contents(database: str, tables: dict[str, list[str]]) -> Contents:
    """Every row of ``tables``, each value with its Python type (1 and 1.0 differ), in a stable order."""
    found = {}
    for table, columns in tables.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = [tuple((type(v).__name__, v) for v in row) for row in query(database, f'SELECT {listed} FROM "{table}"')]
        found[table] = sorted(rows, key=repr)
    return found
