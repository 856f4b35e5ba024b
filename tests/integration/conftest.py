import pytest

from tests.integration.support import running_intake


@pytest.fixture
async def intake(tmp_path):
    async with running_intake(str(tmp_path / "warroom.db")) as running:
        yield running
