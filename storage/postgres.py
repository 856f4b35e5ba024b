"""PostgreSQL, for several replicas: one database shared by every warroom, connections that give up
rather than hang, and reconnection after a restart or a failover.

psycopg 3 (sync): warroom's stores run short statements on the thread that answers Slack, exactly as
with SQLite; an async driver would have made every store and domain call a coroutine for no gain at
these sizes, and SQLAlchemy would have been a second query layer over the one storage/ already is.
"""

from __future__ import annotations

import re
import threading
import zlib
from typing import Any, Callable, Sequence

try:
    import psycopg
    from psycopg import conninfo, pq
except ImportError:  # the embedded default needs none of this
    psycopg = None  # type: ignore[assignment]

from storage.database import Database
from storage.errors import StorageConflict, StorageError, StorageUnavailable

# A replica stuck mid-transaction (frozen, partitioned) must not hold locks for long, and no statement
# may hang the loop that answers Slack.
SESSION_SETTINGS = {
    "idle_in_transaction_session_timeout": "15s",
    "lock_timeout": "5s",
    "statement_timeout": "15s",
    # Plan each statement for its parameters. psycopg prepares a statement after a few runs and the
    # server then settles on one generic plan, made from statistics that lag a storm's growth: a DM
    # with 4,000 pages went from 10 ms to 0.5 s a refresh that way. Parsing stays prepared.
    "plan_cache_mode": "force_custom_plan",
}
CONNECT_TIMEOUT = 5
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


_URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@\s]*@")                                 # user:secret@host
_PARAMETER_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)", re.I)  # ?password=secret


def shown(text: str) -> str:
    """``text`` (a URL, a connection string, a message that quotes one) with every password hidden,
    for messages and logs."""
    return _PARAMETER_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", text))


def _to_psycopg(sql: str) -> str:
    """``?`` placeholders become ``%s``; every literal ``%`` (LIKE 'alert:%', a modulo) is doubled, since
    psycopg reads ``%`` everywhere; a ``?`` inside a string literal stays a question mark."""
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")
    return _PLACEHOLDER.sub(replace, sql)


class PostgresDatabase(Database):
    engine = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        if psycopg is None:
            raise StorageError("WARROOM_DB is a PostgreSQL URL, but the PostgreSQL driver is not installed: "
                               "pip install 'warroom[postgresql]'")
        self.url = url
        self.path = shown(url)
        self._sql: dict[str, str] = {}
        self._in_transaction = False
        self._notices: set[str] = set()   # NOTIFY sent with the COMMIT of the transaction under way
        self._lock = threading.RLock()
        self.conn = self._connect()

    def _connect(self) -> Any:
        params = conninfo.conninfo_to_dict(self.url)
        options = " ".join([params.pop("options", "") or ""] + [f"-c {k}={v}" for k, v in SESSION_SETTINGS.items()])
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        params.setdefault("application_name", "warroom")
        try:
            return psycopg.connect(autocommit=True, options=options.strip(), **params)
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"cannot reach PostgreSQL at {self.path}: {_first_line(exc)}") from None

    def _usable_connection(self) -> Any:
        """The connection, reopened after it was lost (a restart, a failover): between transactions
        only; a transaction that lost its connection is over and its caller was told."""
        if self.conn.closed or self.conn.info.status == pq.ConnStatus.BAD:
            if self._in_transaction:
                raise StorageUnavailable("the connection to PostgreSQL was lost in the middle of a transaction")
            self.conn = self._connect()
        return self.conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = _to_psycopg(sql)
        try:
            return self._usable_connection().execute(text, tuple(params) or None)
        except psycopg.errors.TransactionRollback as exc:   # deadlock detected, serialization failure
            raise StorageConflict(_first_line(exc)) from exc
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(_first_line(exc)) from exc

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    def _begin(self) -> None:
        self.execute("BEGIN")
        self._in_transaction = True

    def _commit(self) -> None:
        # the notices ride with the COMMIT: no round trip of their own, and nobody is woken for
        # work that was rolled back
        notices = "".join(f"NOTIFY {channel}; " for channel in sorted(self._notices))
        self._notices.clear()
        try:
            self.execute(notices + "COMMIT")
        finally:
            self._in_transaction = False

    def _rollback(self) -> None:
        self._in_transaction = False
        self._notices.clear()
        self._quietly("ROLLBACK")

    def notify(self, channel: str) -> None:
        if not _CHANNEL.fullmatch(channel):
            raise ValueError(f"{channel!r} is not a notification channel name")
        if self._in_transaction:
            self._notices.add(channel)
        else:
            self.execute(f"NOTIFY {channel}")

    def serialize(self, name: str) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (zlib.crc32(name.encode()),))

    def listen(self, channel: str, callback: Callable[[], None]) -> Callable[[], None]:
        from storage.pg_listen import NoticeListener  # a thread and a connection of its own
        return NoticeListener(self.url, channel, callback, own_backend=lambda: self.conn.info.backend_pid).start()

    def _quietly(self, sql: str) -> None:
        try:
            if not self.conn.closed:
                self.conn.execute(sql)
        except psycopg.Error:
            pass  # the connection is gone, and the transaction with it

    def table_names(self) -> list[str]:
        return [r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]

    def now(self) -> float:
        return float(self.scalar("SELECT extract(epoch FROM clock_timestamp())::float8"))

    def advisory_lock(self, key: int) -> None:
        self.execute("SELECT pg_advisory_lock(?)", (key,))

    def advisory_unlock(self, key: int) -> None:
        self._quietly(f"SELECT pg_advisory_unlock({int(key)})")

    def close(self) -> None:
        if not self.conn.closed:
            self.conn.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
