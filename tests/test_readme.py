"""What the README shows works as shown: every warroom.yml example loads (issue 8, bug 5), and
/healthz answers what it says."""

from __future__ import annotations

import re

import yaml

from bot.config import parse_config
from bot.config.loader import TOP_LEVEL_KEYS
from harness import ROOT

MARKER = "<!-- warroom.yml example"


def examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(re.escape(MARKER) + r"[^\n]*\n```yaml\n(.*?)```", text, re.S)


def test_every_config_example_in_the_readme_loads(tmp_path):
    found = examples()
    assert found, "no marked warroom.yml example in the README"
    for text in found:
        raw = yaml.safe_load(text)
        if "templates" in raw:  # the example's folder, relative to the config file as warroom reads it
            (tmp_path / raw["templates"]).mkdir(parents=True, exist_ok=True)
        # every secret it names, long and distinct, as warroom asks of API keys
        keys = {name: f"example-key-of-{name}-0123456789" for name in re.findall(r"\w*_env: (\w+)", text)}
        config = parse_config(raw, str(tmp_path / "warroom.yml"), keys)
        assert config.incident.default_severity in config.severity_keys


def test_every_yaml_block_that_is_warroom_config_is_marked_and_so_loaded():
    """A block of warroom.yml keys left unmarked is never loaded (the `limits:` example was refused
    when loaded alone)."""
    text = (ROOT / "README.md").read_text()
    unmarked = [block for before, block in re.findall(r"([^\n]*)\n```yaml\n(.*?)```", text, re.S)
                if not before.startswith(MARKER) and set(yaml.safe_load(block)) <= TOP_LEVEL_KEYS]
    assert unmarked == []


def test_the_readme_says_what_healthz_answers():
    """The README shows the 503 body /healthz sends (tests/integration/test_webhook_limits.py checks
    the server sends it)."""
    text = " ".join((ROOT / "README.md").read_text().split())
    assert '503 `{"ok": false, "error": "the database cannot take writes"}`' in text
    assert '`"not connected to Slack (Socket Mode)"`' in text   # tests/e2e/test_postgres_lost.py
