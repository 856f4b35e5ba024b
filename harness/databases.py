"""Where the tests' databases come from: a SQLite file in the test's folder, or a schema of its own in
a PostgreSQL database of this test worker's, made for the test and dropped after it.

The PostgreSQL server is ``WARROOM_TEST_POSTGRES`` (an admin URL; default the local server with trust
auth, as on the project's machines). Tests fail, never skip, when it cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import psycopg
from psycopg import conninfo

ADMIN_URL = os.environ.get("WARROOM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = ("sqlite", "postgresql")


class PostgresForTests:
    """One database per test process (pytest-xdist worker), created on first use and dropped at exit;
    one schema per test inside it."""

    def __init__(self, admin_url: str = ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.database = f"warroom_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        self._created = False

    def _admin(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise RuntimeError(f"the PostgreSQL tests need a server at WARROOM_TEST_POSTGRES={self.admin_url}: "
                               f"{str(exc).strip().splitlines()[0]}") from None

    def _url(self, database: str, schema: str | None = None) -> str:
        params = conninfo.conninfo_to_dict(self.admin_url)
        params["dbname"] = database
        url = conninfo.make_conninfo(**params)
        if schema:
            url += f" options='-c search_path={schema}'"
        return url

    def new_schema(self) -> str:
        """A fresh, empty schema; returns the URL that lands in it."""
        if not self._created:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
                admin.execute(f'CREATE DATABASE "{self.database}"')
            self._created = True
        schema = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self._url(self.database), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return to_url(self._url(self.database, schema))

    def drop_schema(self, url: str) -> None:
        schema = url.rsplit("search_path%3D", 1)[-1]
        with psycopg.connect(self._url(self.database), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def drop_database(self) -> None:
        if self._created:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._created = False


def to_url(dsn: str) -> str:
    """A key=value connection string as a postgresql:// URL (what WARROOM_DB takes)."""
    params = conninfo.conninfo_to_dict(dsn)
    user = params.pop("user", "postgres")
    password = params.pop("password", None)
    host = params.pop("host", "127.0.0.1")
    port = params.pop("port", "5432")
    database = params.pop("dbname")
    auth = quote(user) + (":" + quote(password) if password else "")
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"postgresql://{auth}@{host}:{port}/{database}" + (f"?{query}" if query else "")
