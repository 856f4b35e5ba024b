import asyncio
import os
from pathlib import Path

import pytest

from harness import make_config, start_sandbox
from harness.bots import BotThread
from harness.databases import ENGINES, PostgresForTests


@pytest.fixture(scope="session")
def postgres():
    """This test process's PostgreSQL database (a schema per test inside it), dropped at the end."""
    server = PostgresForTests()
    yield server
    server.drop_database()


# Through Slack and the web (tests/e2e, tests/web, tests/notify), the bot runs on the engines named by
# WARROOM_TEST_E2E_ENGINES: SQLite by default, "sqlite,postgresql" for the whole matrix. The store code
# is one for both engines, and everything below the adapters runs on both in every run: the domain
# suite (every operation through the real stores), storage, the intake, and the replica, failover and
# connection-loss tests. The whole matrix takes twice the CI's ten minutes on 2 cores.
E2E_ENGINES = tuple(e for e in os.environ.get("WARROOM_TEST_E2E_ENGINES", "sqlite").split(",") if e)
THROUGH_SLACK = ("e2e", "web", "notify")


def pytest_configure(config):
    config.addinivalue_line("markers", "both_engines: a test through Slack that is about an engine's own behaviour")


def pytest_generate_tests(metafunc):
    """``engine`` for every test that stores anything: both, or E2E_ENGINES through Slack and the web."""
    if "engine" not in metafunc.fixturenames:
        return
    folder = Path(str(metafunc.definition.fspath)).relative_to(Path(__file__).parent).parts[0]
    through_slack = folder in THROUGH_SLACK and metafunc.definition.get_closest_marker("both_engines") is None
    unknown = set(E2E_ENGINES) - set(ENGINES)
    if unknown:
        raise pytest.UsageError(f"WARROOM_TEST_E2E_ENGINES names {sorted(unknown)}; use sqlite, postgresql or "
                                "sqlite,postgresql")
    metafunc.parametrize("engine", E2E_ENGINES if through_slack else ENGINES)


@pytest.fixture
def database_url(engine, tmp_path, postgres):
    """WARROOM_DB for this test: a SQLite file in its folder, or a PostgreSQL schema of its own."""
    if engine == "sqlite":
        yield str(tmp_path / "warroom.db")
        return
    url = postgres.migrated_schema()     # tables made, no rows: as warroom leaves a new database
    yield url
    postgres.recycle(url)


@pytest.fixture
def postgres_url(postgres):
    """A PostgreSQL schema of this test's own, whatever engine the rest of the test runs on."""
    url = postgres.new_schema()
    yield url
    postgres.drop_schema(url)


@pytest.fixture
def sandbox():
    sb = start_sandbox()
    yield sb
    sb.stop()


@pytest.fixture
def config_text():
    """Override in a test module to run the bot with another warroom.yml."""
    return ""


@pytest.fixture
def bot(sandbox, database_url, config_text):
    thread = BotThread(sandbox, make_config(config_text), database_url).start()
    yield thread
    thread.stop()


@pytest.fixture(autouse=True)
def _browser_loop_kept_out(request):
    """Playwright's sync API (tests/web, one browser per test process) leaves its event loop marked
    as running on the main thread; an asyncio test after it in the same process would refuse to start
    its own ("cannot be called from a running event loop"). Hide that loop from tests that use no
    browser, and give it back after."""
    if {"page", "chromium"} & set(request.fixturenames):
        yield
        return
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


# The longest tests (a minute or more of replicas, kills and storms) start first, so the others fill
# the workers around them instead of one worker finishing them alone at the end.
LONGEST_FIRST = ("tests/e2e/test_replicas.py", "tests/e2e/test_replica_faults.py", "tests/e2e/test_crash_recovery.py",
                 "tests/e2e/test_webhook_limits_e2e.py", "tests/e2e/test_reliability.py", "tests/e2e/test_shift_restart.py",
                 "tests/e2e/test_postgres_lost.py", "tests/e2e/test_declare_together.py", "tests/e2e/test_db_copy.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)   # stable: the rest keep their order
