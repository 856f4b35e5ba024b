"""manifest.yml and the code stay in step: every command, shortcut and event the code handles is
declared, everything declared is handled, and the scopes are exactly what the called methods and
subscribed events need (no more, no less)."""

import re
import subprocess
import sys

from bot.slack.listeners import register_listeners
from bot.slack.scopes import (
    EVENT_SCOPES,
    EVENT_SUBSCRIPTIONS,
    METHOD_SCOPES,
    needed_scopes,
)
from harness import MANIFEST, ROOT


class RecordingApp:
    """Stands in for AsyncApp during registration and remembers what was listened to."""

    def __init__(self) -> None:
        self.seen: dict[str, list] = {"command": [], "shortcut": [], "event": [], "action": [], "view": []}

    def __getattr__(self, kind):
        def decorator_factory(*args, **kwargs):
            if kind in self.seen and args:
                self.seen[kind].append(args[0])
            return lambda fn: fn
        if kind == "middleware":
            return lambda fn: fn
        return decorator_factory


def handled():
    app = RecordingApp()
    register_listeners(app, None)
    return app.seen


def called_methods() -> set[str]:
    methods: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        source = path.read_text()
        methods.update(re.findall(r'\.call\(\s*"([a-z]+\.[A-Za-z.]+)"', source))
        methods.update(m.replace("_", ".") for m in re.findall(
            r"client\.((?:auth|apps|conversations|chat|pins|bookmarks|views|users|usergroups|reactions)_[A-Za-z_]+)\(",
            source))
    return methods


def test_commands_and_shortcuts_match():
    seen = handled()
    declared_commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert set(seen["command"]) == declared_commands
    assert all(c["should_escape"] is True for c in MANIFEST["features"]["slash_commands"])
    declared_shortcuts = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    assert set(seen["shortcut"]) == declared_shortcuts


def test_events_match_subscriptions():
    seen = handled()
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    expected = set()
    for event in seen["event"]:
        expected.update(EVENT_SUBSCRIPTIONS.get(event, (event,)))
    assert subscribed == expected


def test_scopes_are_exactly_what_the_code_needs():
    methods = called_methods()
    assert {"conversations.create", "chat.postMessage", "pins.add", "views.open"} <= methods  # the scan works
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add these methods to bot/slack/scopes.py: {unknown}"
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert events <= set(EVENT_SCOPES)
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needed = needed_scopes(methods, events)
    assert needed - granted == set(), "scopes missing from manifest.yml"
    assert granted - needed == set(), "manifest.yml asks for scopes nothing uses"


def test_socket_mode_and_interactivity_are_on():
    settings = MANIFEST["settings"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert not any("url" in c for c in MANIFEST["features"]["slash_commands"])


def test_warroom_manifest_prints_it():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "manifest"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout == (ROOT / "manifest.yml").read_text()
