"""The sandbox's terminal draws every emoji warroom's templates write, as Slack does: an unknown name
would show as ``:name:`` in ``warroom sandbox``, where a person reads Slack through it."""

import re
from pathlib import Path

from sandbox.text import EMOJI

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NAME = re.compile(r"(?<![\w:]):([a-z][a-z0-9_+-]*):(?![\w:])")


def test_every_emoji_the_templates_use_is_drawn():
    used = {name for path in TEMPLATES.rglob("*.j2") for name in NAME.findall(path.read_text(encoding="utf-8"))}
    assert used, "no emoji found: the pattern is wrong"
    assert sorted(used - set(EMOJI)) == []
