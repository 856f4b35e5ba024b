"""Slash commands in a crowd (bot/slack/commands.py): when many commands wait for their acks, a command is
recorded, acked at once and handled just after (by default on PostgreSQL, where each costs the loop a few
ms; here on both engines). Every person is still answered, every command is done once (across a kill -9
as well), a channel's commands keep their order, and a replica whose claim was taken over changes nothing."""

import json
import os
import signal

import pytest

from bot.app import Options
from bot.clock import Clock
from bot.effects.errors import Finished
from bot.slack.commands import CROWD as PUT_OFF_AT, KIND
from harness import make_config
from harness.crowd import commands_at_once
from harness.bots import TEST_PACING, TEST_SETTLE, BotProcess, BotThread, query
from kernel.outbox import Effect

CROWD = 30


@pytest.fixture
def bot(sandbox, database_url):
    """The bot in this process, putting commands off in a crowd whatever the engine."""
    options = Options(clock=Clock(), rate_limit_scale=TEST_PACING, surface_settle=TEST_SETTLE,
                      command_crowd=PUT_OFF_AT)
    thread = BotThread(sandbox, make_config(""), database_url, options=options).start()
    yield thread
    thread.stop()


def crowd(sandbox, count: int) -> list[str]:
    people = []
    for n in range(count):
        people.append(sandbox.add_user(f"crowd{n:02d}"))
        sandbox.as_user(people[-1]).join("general")
    return people


def put_off(db) -> list[tuple[str, dict]]:
    """The commands recorded to be handled after their ack: (state, payload)."""
    return [(state, json.loads(payload)) for state, payload in query(
        db, "SELECT state, payload FROM outbox WHERE kind = ? ORDER BY id", (KIND,))]


def test_everyone_in_a_crowd_is_acked_answered_and_done_once(sandbox, bot, database_url):
    people = crowd(sandbox, CROWD)
    declarers, strays = people[:25], people[25:]
    commands = [(p, "/incident", f"declare Crowd outage {n} sev2", "general") for n, p in enumerate(declarers)]
    commands += [(p, "/incident", "note a note from nowhere", "general") for p in strays]
    results, _ = commands_at_once(sandbox, commands)

    assert all(r.ack is not None for r in results), "a command was not acked within Slack's 3 s"
    for result in results[:25]:
        result.wait_reply("Declaring incident", timeout=15)
    for result in results[25:]:   # refusals reach the person too, saying what to do
        result.wait_reply("works inside an incident's channel", timeout=15)
    bot.settle(timeout=30)
    for result, said in zip(results, ["Declaring incident"] * 25 + ["works inside an incident's channel"] * 5):
        assert len([r for r in result.replies if said in sandbox.render(r)]) == 1, "answered twice"
    assert bot.query("SELECT count(*), count(DISTINCT declared_by) FROM incidents") == [(25, 25)]
    recorded = put_off(database_url)
    assert recorded, "no command came in a crowd: the acks never saw each other waiting"
    assert all(state == "done" for state, _ in recorded)
    # a response_url lets its holder post as the app: none is kept once the command was handled
    assert not any("response_url" in payload["body"] for _, payload in recorded)
    assert not any("token" in payload["body"] for _, payload in recorded)


def test_a_channel_with_a_command_put_off_puts_off_its_next_ones_so_they_keep_their_order(sandbox, bot):
    alice = sandbox.as_user("alice")
    alice.command("/incident", "declare Ordered notes sev2", channel="general")
    alice_id = sandbox.user("alice")["id"]
    sandbox.wait_for(lambda: [c for c in sandbox.channels()
                              if c["name"].startswith("incident-") and alice_id in c["members"]], timeout=15)
    room = [c for c in sandbox.channels() if c["name"].startswith("incident-")][0]["id"]
    inbox = bot.bot.commands
    bot.call(inbox._one_at_a_time.acquire())   # nothing put off is handled until the test lets go
    try:
        inbox.crowd = 0        # as if in a crowd: the first note is put off
        assert alice.command("/incident", "note step 1", channel=room).ack == {}
        inbox.crowd = None     # no crowd from here on: only the channel's order can put the next ones off
        notes = [alice.command("/incident", f"note step {n}", channel=room) for n in range(2, 7)]
        assert [n.ack for n in notes] == [{}] * 5, "a later note was handled ahead of an earlier one"
        put_off_notes = [p["body"]["text"] for _, p in put_off(bot.bot.db_path)]
        assert put_off_notes == [f"note step {n}" for n in range(1, 7)]
    finally:
        bot.run(inbox._one_at_a_time.release)
    bot.settle(timeout=30)
    written = [row[0] for row in bot.query("SELECT text FROM timeline WHERE kind = 'note' ORDER BY id")]
    assert written == [f"step {n}" for n in range(1, 7)]
    # once they are handled, the channel's commands are answered on the spot again
    assert "Declaring" not in str(alice.command("/incident", "note step 7", channel=room).ack) and \
        bot.query("SELECT count(*) FROM timeline WHERE kind = 'note'") == [(7,)]


def test_commands_acked_in_a_crowd_are_done_once_after_a_kill(sandbox, tmp_path, postgres_url):
    database_url = postgres_url   # warroom run puts commands off in a crowd on PostgreSQL
    process = BotProcess(sandbox, tmp_path, database=database_url)
    process.start()
    try:
        people = crowd(sandbox, CROWD)
        results, _ = commands_at_once(sandbox, [(p, "/incident", f"declare Killed crowd {n} sev2", "general")
                                    for n, p in enumerate(people)])
        assert all(r.ack is not None for r in results)
        os.kill(process.process.pid, signal.SIGSTOP)   # frozen once every ack was read, while it handles them
        waiting = {payload["body"]["user_id"] for state, payload in put_off(database_url) if state == "pending"}
        process.kill9()
        assert waiting, "every command was handled before the kill: nothing tested the restart"
        process.start()
        # on PostgreSQL the restarted replica is a new one: it takes the dead one's claims once their lease ran out
        sandbox.wait_for(lambda: all(state == "done" for state, _ in put_off(database_url)), timeout=45,
                         message="the commands acked before the kill were never handled")
        assert query(database_url, "SELECT count(*), count(DISTINCT declared_by) FROM incidents") == [(CROWD, CROWD)]
        # every answer is recorded with its command's work: each person is told, whenever the kill came
        for person, result in zip(people, results):
            result.wait_reply("Declaring incident", timeout=30)
        sandbox.wait_for(lambda: query(database_url, "SELECT count(*) FROM outbox WHERE state = 'pending' AND "
                                                     "kind = 'message.reply' AND payload LIKE '%\"answer\"%'")
                         == [(0,)], timeout=30, message="answers left unsent")
        for person, result in zip(people, results):
            answers = [r for r in result.replies if "Declaring incident" in sandbox.render(r)]
            # handled after the restart: once; before it, a kill between the answer and its copy's marking
            # sends the copy as well (twice, never not at all)
            assert len(answers) == 1 if person in waiting else 1 <= len(answers) <= 2, (person, len(answers))
        # the channels come at conversations.create's pace (20 a minute): none of them twice
        channels = [c for c in sandbox.channels() if c["name"].startswith("incident-")]
        assert all(len([c for c in channels if person in c["members"]]) <= 1 for person in people)
    finally:
        process.stop()


def test_a_command_whose_claim_was_taken_over_changes_nothing(sandbox, bot):
    app = bot.bot
    body = {"user_id": sandbox.user("alice")["id"], "channel_id": sandbox.channel("general")["id"],
            "text": "declare Taken over sev2", "command": "/incident", "trigger_id": "none"}

    def recorded() -> int:   # far in the future: the runner leaves it to this test
        with app.work():
            return int(app.effects.do(KIND, {"command": "/incident", "body": body}, lane="command:test", delay=86400))
    effect_id = bot.run(recorded)
    # this replica claimed it (attempt 1), froze past its lease, and another replica took it over (attempt 2)
    bot.run(lambda: app.db.execute("UPDATE outbox SET claimed_by = 'another-replica', attempts = 2, "
                                   "lease_until = ? WHERE id = ?", (app.clock.time() + 60, effect_id)))
    row = bot.query("SELECT id, kind, lane, payload, due_at, created_at FROM outbox WHERE id = ?", (effect_id,))[0]
    stale = Effect(row[0], row[1], row[2], json.loads(row[3]), 0, None, row[4], None, row[5])
    with pytest.raises(Finished) as ended:
        bot.call(app.commands.perform(stale))
    assert ended.value.claim_lost
    assert bot.query("SELECT count(*) FROM incidents") == [(0,)]
    assert bot.query("SELECT state, claimed_by FROM outbox WHERE id = ?", (effect_id,)) == [("pending", "another-replica")]

    # the replica that holds it does the work, once, and completes it in the same transaction
    bot.run(lambda: app.db.execute("UPDATE outbox SET claimed_by = ? WHERE id = ?", (app.replica, effect_id)))
    current = Effect(row[0], row[1], row[2], json.loads(row[3]), 1, None, row[4], None, row[5])
    with pytest.raises(Finished) as ended:
        bot.call(app.commands.perform(current))
    assert not ended.value.claim_lost
    assert bot.query("SELECT count(*) FROM incidents WHERE title = 'Taken over'") == [(1,)]
    assert bot.query("SELECT state FROM outbox WHERE id = ?", (effect_id,)) == [("done",)]
