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

from storage.db import open_database

ADMIN_URL = os.environ.get("WARROOM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = ("sqlite", "postgresql")


class PostgresForTests:
    """One database per test process (pytest-xdist worker), created on first use and dropped at exit;
    one schema per test inside it."""

    def __init__(self, admin_url: str = ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.database = f"warroom_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        self._created = False
        self._emptied: list[str] = []        # migrated schemas an earlier test used, emptied again
        self._pristine: tuple | None = None  # what a freshly migrated schema holds (objects, version)

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
                # a commit need not wait for the disk here: the tests stop and start replicas and cut
                # connections, never the server; waiting on a VM's disk was most of some tests' time
                admin.execute(f'ALTER DATABASE "{self.database}" SET synchronous_commit TO off')
            self._created = True
        schema = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self._url(self.database), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return to_url(self._url(self.database, schema))

    def migrated_schema(self) -> str:
        """A schema with warroom's tables and no rows. Migrating costs about half a second on PostgreSQL,
        hundreds of times a run: one an earlier test used, emptied, serves when there is one."""
        if self._emptied:
            return self._emptied.pop()
        url = self.new_schema()
        open_database(url).close()
        if self._pristine is None:
            with psycopg.connect(self._url(self.database), autocommit=True) as conn:
                self._pristine = _fingerprint(conn, _schema_of(url))
        return url

    def recycle(self, url: str) -> None:
        """Empty a schema from :meth:`migrated_schema` for the next test: only when it holds exactly
        what a fresh one does (a test may add a trigger or take a migration back), at once (a process
        killed mid-transaction may still hold a lock), else drop it."""
        schema = _schema_of(url)
        try:
            with psycopg.connect(self._url(self.database), autocommit=True) as conn:
                conn.execute("SET lock_timeout = '2s'")
                if _fingerprint(conn, schema) != self._pristine:
                    raise LookupError(schema)
                tables = [r[0] for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_type = 'BASE TABLE' AND table_name != 'schema_migrations'", (schema,))]
                sequences = [r[0] for r in conn.execute(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind = 'S'", (schema,))]
                # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE makes every table a new file
                # (0.1-0.7 s a test, most of the PostgreSQL domain tests' time); foreign keys are not
                # checked while emptying (replica role), and identities start again at 1
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")
                    for table in tables:
                        conn.execute(f"DELETE FROM {schema}.{table}")
                    for sequence in sequences:
                        conn.execute(f"ALTER SEQUENCE {schema}.{sequence} RESTART")
        except (psycopg.Error, LookupError):
            self.drop_schema(url)
            return
        self._emptied.append(url)

    def drop_schema(self, url: str) -> None:
        schema = url.rsplit("search_path%3D", 1)[-1]
        with psycopg.connect(self._url(self.database), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def drop_database(self) -> None:
        if self._created:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._created = False


def _schema_of(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[-1]


def _fingerprint(conn: psycopg.Connection, schema: str) -> tuple:
    """The schema's objects (tables, indexes, sequences, functions, triggers) and its version."""
    return conn.execute(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s), "
        "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s), "
        "(SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n "
        " ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal)",
        (schema, schema, schema)).fetchone() + conn.execute(
        f"SELECT max(version), count(*) FROM {schema}.schema_migrations").fetchone()


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
