"""/il-oncall swap: the other person accepts (the overrides are recorded and /il-oncall shows them) or
declines (nothing changes)."""

import time

from tests.e2e.oncall_config import oncall_yaml

import pytest


@pytest.fixture
def config_text(sandbox):
    return oncall_yaml(sandbox)


def oncall(sandbox, user, text):
    return sandbox.as_user(user).command("/il-oncall", text, channel="general").ack["text"]


def question(sandbox, user):
    channel = sandbox.dm_channel(sandbox.user(user)["id"])
    found = [m for m in sandbox.messages(channel) if "asks you to take" in sandbox.render(m)] if channel else []
    return found[-1] if found else None


def test_an_accepted_swap_records_overrides_and_oncall_shows_them(bot, sandbox):
    alice, bob = sandbox.user("alice")["id"], sandbox.user("bob")["id"]
    midnight = int(time.time()) // 86400 * 86400
    asked = oncall(sandbox, "alice", "swap @bob next primary")
    assert f"Asked <@{bob}> to take your *primary* shift" in asked and "you would take theirs" in asked
    message = sandbox.wait_for(lambda: question(sandbox, "bob"), message="bob was never asked")
    shown = sandbox.render(message)
    assert "@alice asks you to take their *primary* shift" in shown and "[Accept] [Decline]" in shown
    refused = sandbox.as_user("carol").click("Accept", message=message)
    assert "Only @bob can answer this swap" in sandbox.render(refused.wait_reply(contains="can answer this swap"))
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]
    sandbox.faults.latency(1.0, "chat.update")   # the question still shows its buttons for a second click
    sandbox.as_user("bob").click("Accept", message=message).ack
    again = sandbox.as_user("bob").click("Accept", message=message)
    assert "already accepted" in sandbox.render(again.wait_reply(contains="already accepted"))
    sandbox.faults.clear()
    bot.settle()
    rows = bot.query('SELECT user_id, start, "end", created_by FROM overrides ORDER BY start')
    assert [(r[0], r[3]) for r in rows] == [(bob, bob), (alice, bob)]
    assert rows[0][2] == midnight + 86400 and (rows[1][1], rows[1][2]) == (midnight + 86400, midnight + 2 * 86400)
    assert bot.query("SELECT state FROM swaps") == [("accepted",)]
    now = oncall(sandbox, "dave", "primary")
    lines = [line for line in now.splitlines() if "→" in line]
    assert f"*Now*: <@{bob}>" in lines[0] and f"<@{alice}>" in lines[1]
    assert f"<!date^{midnight + 86400}^" in lines[0] and f"<!date^{midnight + 3 * 86400}^" in lines[1]
    answered = sandbox.render(sandbox.message(sandbox.dm_channel(sandbox.user("bob")["id"]), message["ts"]))
    assert "*Accepted*" in answered and "[Accept]" not in answered
    alice_dm = [sandbox.render(m) for m in sandbox.messages(sandbox.dm_channel(alice))]
    assert any("@bob accepted your *primary* swap" in t for t in alice_dm)


def test_a_declined_swap_changes_nothing(bot, sandbox):
    before = oncall(sandbox, "dave", "primary")
    oncall(sandbox, "alice", "swap @bob next")
    message = sandbox.wait_for(lambda: question(sandbox, "bob"))
    sandbox.as_user("bob").click("Decline", message=message).ack
    bot.settle()
    assert bot.query("SELECT state FROM swaps") == [("declined",)]
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]
    assert oncall(sandbox, "dave", "primary") == before
    assert "*Declined*" in sandbox.render(sandbox.message(sandbox.dm_channel(sandbox.user("bob")["id"]), message["ts"]))
    alice_dm = [sandbox.render(m) for m in sandbox.messages(sandbox.dm_channel(sandbox.user("alice")["id"]))]
    assert any("@bob declined your *primary* swap; nothing changed" in t for t in alice_dm)


def test_swap_refusals_say_how(bot, sandbox):
    assert "Write `/il-oncall swap @person" in oncall(sandbox, "alice", "swap bob next")
    assert "cannot swap a shift with yourself" in oncall(sandbox, "alice", "swap @alice next")
    assert "You have no on-call shift coming up" in oncall(sandbox, "dave", "swap @bob next")
    assert "There is no schedule `nope`" in oncall(sandbox, "alice", "swap @bob next nope")
    assert "Write `/il-oncall swap" in oncall(sandbox, "alice", "swap @bob someday")
    assert bot.query("SELECT count(*) FROM swaps") == [(0,)]
