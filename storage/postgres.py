"""PostgreSQL, for several replicas: one database shared by every warroom, connections that give up
rather than hang, and reconnection after a restart or a failover.

psycopg 3 (sync): warroom's stores run short statements on the thread that answers Slack, exactly as
with SQLite; an async driver would have made every store and domain call a coroutine for no gain at
these sizes, and SQLAlchemy would have been a second query layer over the one storage/ already is.

A transaction runs in psycopg's pipeline mode: a statement is sent at once and its answer is waited
for only when its results are read (a SELECT, an id to use next, a rowcount) or at the COMMIT. A
command's writes (timeline, outbox rows, timers) then cost the loop no round trip each: a declare waits
for PostgreSQL a handful of times instead of sixteen. An error in a statement nobody read surfaces at
the next read or at the COMMIT, still inside the transaction, which it rolls back as before.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from typing import Any, Callable, Iterator, Sequence

try:
    import psycopg
    from psycopg import conninfo, pq
except ImportError:  # the embedded default needs none of this
    psycopg = None  # type: ignore[assignment]

from storage.database import Database, RowId
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
        self._pipelined: Any = None         # the transaction under way's pipeline (see the module's
        self._pipeline: Any = None          # docstring): its context, and the pipeline itself
        self._unread = False                # statements sent in it whose answers have not come back
        self._syncs = 0                     # waits so far: an answer sent before the last one is here
        self._pipelining = True
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
        if self.conn.closed or self.conn.info.status == pq.ConnStatus.BAD or (
                not self._in_transaction and self.conn.pgconn.pipeline_status != pq.PipelineStatus.OFF):
            if self._in_transaction:
                raise StorageUnavailable("the connection to PostgreSQL was lost in the middle of a transaction")
            self.close()   # a connection left in pipeline mode may still hold a transaction open
            self.conn = self._connect()
        return self.conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = _to_psycopg(sql)
        params = [int(p) if type(p) is RowId else p for p in params]  # in a transaction: waits for its statement
        with _translated_errors():
            cursor = self._usable_connection().execute(text, tuple(params) or None)
        if self._pipeline is None:
            return cursor
        self._unread = True
        return _Answer(self, cursor, self._syncs)

    def id_of(self, sql: str, params: Sequence[Any] = ()) -> int | RowId:
        if self._pipeline is None:
            return super().id_of(sql, params)
        return RowId(self.one_later(sql, params))

    def maybe_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], tuple | None]:
        if self._pipeline is None:
            return super().maybe_later(sql, params)
        return self.execute(sql, params).fetchone

    def all_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], list[tuple]]:
        if self._pipeline is None:
            return super().all_later(sql, params)
        return self.execute(sql, params).fetchall

    def rowcount_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], int]:
        if self._pipeline is None:
            return super().rowcount_later(sql, params)
        answer = self.execute(sql, params)
        return lambda: answer.rowcount

    def wait(self) -> None:
        """Every statement sent so far in this transaction has been answered (its error raised here)."""
        if self._unread:
            self._unread = False
            self._syncs += 1
            with _translated_errors():
                self._pipeline.sync()

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    @contextlib.contextmanager
    def unpipelined_transaction(self) -> Iterator["PostgresDatabase"]:
        """A transaction that waits for each statement: for a ``COPY``, which pipeline mode cannot carry."""
        self._pipelining = False
        try:
            with self.transaction():
                yield self
        finally:
            self._pipelining = True

    def _begin(self) -> None:
        if self._pipelining:
            self._enter_pipeline()
        self._in_transaction = True
        try:
            self.execute("BEGIN")
        except BaseException:
            self._rollback()
            raise

    def _enter_pipeline(self) -> None:
        """Pipeline mode for the transaction about to begin. libpq refuses it on a connection that is not
        idle (an answer left unread after a failure, a connection half lost): that one is dropped and
        the transaction begins on a new one; a second refusal is PostgreSQL being unavailable."""
        for last_try in (False, True):
            with _translated_errors():
                self._pipelined = self._usable_connection().pipeline()
            try:
                self._pipeline = self._pipelined.__enter__()
                return
            except psycopg.OperationalError as exc:
                self._pipelined = self._pipeline = None
                self.close()
                if last_try:
                    raise StorageUnavailable(_first_line(exc)) from exc

    def _commit(self) -> None:
        # the notices ride with the COMMIT: no round trip of their own, and nobody is woken for
        # work that was rolled back
        for channel in sorted(self._notices):
            self.execute(f"NOTIFY {channel}")
        self._notices.clear()
        self.execute("COMMIT")
        with _translated_errors():
            self._end_pipeline()  # its one wait brings the COMMIT's answer, and any error before it
        self._in_transaction = False

    def _rollback(self) -> None:
        self._notices.clear()
        pipelined = self._pipeline is not None
        if pipelined:
            with contextlib.suppress(Exception):   # a connection that cannot take it fails the exit below
                self.execute("ROLLBACK")   # answered with the pipeline's last wait: no round trip of its own
        self._in_transaction = False
        try:
            self._end_pipeline()
        except Exception:
            # in a state nobody can vouch for (a connection lost mid-pipeline): drop it; the server rolls
            # the transaction back as it goes, and the next unit of work opens another connection
            self.close()
            return
        if not pipelined:
            self._quietly("ROLLBACK")

    def _end_pipeline(self) -> None:
        """Leave pipeline mode: one wait for every answer not read yet (none when not pipelined)."""
        pipelined, self._pipelined, self._pipeline, self._unread = self._pipelined, None, None, False
        if pipelined is not None:
            pipelined.__exit__(None, None, None)

    def notify(self, channel: str) -> None:
        if not _CHANNEL.fullmatch(channel):
            raise ValueError(f"{channel!r} is not a notification channel name")
        if self._in_transaction:
            self._notices.add(channel)
        else:
            self.execute(f"NOTIFY {channel}")

    def serialize(self, name: str) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (zlib.crc32(name.encode()),))

    def try_serialize(self, name: str) -> Callable[[], bool]:
        read = self.maybe_later("SELECT pg_try_advisory_xact_lock(?)", (zlib.crc32(name.encode()),))
        return lambda: bool((read() or (False,))[0])

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


class _Answer:
    """A statement's results in a pipelined transaction, waited for when first read."""

    __slots__ = ("_db", "_cursor", "_sent_after")

    def __init__(self, db: PostgresDatabase, cursor: Any, sent_after: int) -> None:
        self._db = db
        self._cursor = cursor
        self._sent_after = sent_after   # the database's waits before this statement was sent

    def _arrived(self) -> None:
        """Wait for this answer, unless a wait since it was sent brought it (and every one before it):
        statements sent after it do not make it wait again."""
        if self._db._syncs == self._sent_after:
            self._db.wait()

    def fetchone(self) -> tuple | None:
        self._arrived()
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        self._arrived()
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        self._arrived()
        return self._cursor.rowcount


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.TransactionRollback as exc:   # deadlock detected, serialization failure
        raise StorageConflict(_first_line(exc)) from exc
    except psycopg.OperationalError as exc:
        raise StorageUnavailable(_first_line(exc)) from exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
