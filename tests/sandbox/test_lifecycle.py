"""Sandbox lifecycle, seeding, reading helpers, and the dependency rule."""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest
from slack_sdk import WebClient

from sandbox import Sandbox

SANDBOX_DIR = pathlib.Path(__file__).resolve().parents[2] / "sandbox"


def test_sandbox_imports_only_aiohttp_and_stdlib() -> None:
    allowed = set(sys.stdlib_module_names) | {"aiohttp"}
    offenders = []
    for path in SANDBOX_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] not in allowed]
    assert offenders == []


def test_seed_before_start_and_context_manager() -> None:
    sandbox = Sandbox()
    uid = sandbox.add_user("erin", real_name="Erin Example", email="erin@example.com",
                           tz="Europe/Paris", is_admin=True)
    cid = sandbox.add_channel("ops", members=["erin"], topic="Ops", purpose="Run things")
    with pytest.raises(RuntimeError):
        sandbox.url
    with sandbox as sb:
        assert sb.api_url.endswith("/api/") and sb.url.startswith("http://127.0.0.1:")
        client = WebClient(token=sb.bot_token, base_url=sb.api_url)
        info = client.conversations_info(channel=cid)["channel"]
        assert info["topic"]["value"] == "Ops" and info["purpose"]["value"] == "Run things"
        assert info["creator"] == uid
        user = client.users_info(user=uid)["user"]
        assert user["is_admin"] and user["tz"] == "Europe/Paris"
    assert sandbox.connections == 0


def test_seed_demo(sb: Sandbox) -> None:
    users = {u["name"]: u for u in sb.users()}
    assert users["alice"]["real_name"] == "Alice Liddell"
    assert users["dave"]["tz"] == "Asia/Tokyo" and users["bob"]["tz"] == "America/New_York"
    for name in ("general", "incidents", "alerts"):
        chan = sb.channel(name)
        assert set(chan["members"]) == {users[n]["id"] for n in ("alice", "bob", "carol", "dave")}
        assert sb.bot_user_id not in chan["members"] and not chan["is_private"]
    sb.seed_demo()            # idempotent
    assert len(sb.channels()) == 3


def test_duplicate_seeds_rejected(sb: Sandbox) -> None:
    with pytest.raises(ValueError):
        sb.add_user("alice")
    with pytest.raises(ValueError):
        sb.add_channel("general")
    with pytest.raises(ValueError):
        sb.add_channel("x", members=["nobody"])


def test_ids_look_like_slack(sb: Sandbox, client: WebClient, ids: dict) -> None:
    assert sb.team_id.startswith("T") and sb.bot_user_id.startswith("U")
    assert sb.bot_id.startswith("B") and sb.app_id.startswith("A")
    assert all(ids[n].startswith("U") for n in ("alice", "bob"))
    assert ids["general"].startswith("C")
    assert sb.add_usergroup("sre").startswith("S")


def test_wait_for_and_mark(sb: Sandbox, client: WebClient) -> None:
    assert sb.wait_for(lambda: 42) == 42
    with pytest.raises(AssertionError, match="never true"):
        sb.wait_for(lambda: 0, timeout=0.05, message="never true")
    mark = sb.mark()
    client.auth_test()
    assert len(sb.calls_since(mark)) == 1 and sb.envelopes_since(mark) == []


async def test_async_wait_for(sb: Sandbox) -> None:
    assert await sb.async_wait_for(lambda: "yes") == "yes"
    with pytest.raises(AssertionError):
        await sb.async_wait_for(lambda: None, timeout=0.05)


def test_person_rules(sb: Sandbox, client: WebClient, ids: dict) -> None:
    private = sb.add_channel("hr", is_private=True, members=["alice"])
    with pytest.raises(PermissionError):
        sb.as_user("bob").join(private)
    with pytest.raises(ValueError):
        sb.as_user("bob").post("hr", "let me in")
    ts = sb.as_user("alice").post("general", "mine")
    with pytest.raises(PermissionError):
        sb.as_user("bob").edit("general", ts, "theirs")
    with pytest.raises(KeyError):
        sb.as_user("nobody")
    alice = sb.as_user("alice")
    alice.react("general", ts, "eyes")
    with pytest.raises(ValueError):
        alice.react("general", ts, "eyes")
    assert client.reactions_get(channel=ids["general"], timestamp=ts)["message"]["reactions"] \
        == [{"name": "eyes", "users": [ids["alice"]], "count": 1}]
