"""Insert and update rows from keyword fields, the one way every store does it."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert(conn: sqlite3.Connection, table: str, fields: dict[str, Any]) -> int:
    columns = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return int(conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(fields.values())).lastrowid)


def update(conn: sqlite3.Connection, table: str, row_id: int, fields: dict[str, Any]) -> None:
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*fields.values(), row_id))
