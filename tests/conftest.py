import pytest

from harness import make_config, start_sandbox
from harness.bots import BotThread


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
def bot(sandbox, tmp_path, config_text):
    thread = BotThread(sandbox, make_config(config_text), str(tmp_path / "warroom.db")).start()
    yield thread
    thread.stop()
