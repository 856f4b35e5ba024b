import asyncio

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


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """Every test that stores anything runs on both engines (issue 9: the whole suite, not a subset)."""
    return request.param


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
