"""Postmortems through Slack: drafted on resolve and shared as a Markdown file in the postmortems channel
(Slack's upload flow), drafted again on demand, and a person's edits never replaced unasked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actor import Actor
from harness.bots import BotProcess, query
from tests.e2e.helpers import declare


@pytest.fixture
def config_text(sandbox):
    sandbox.add_channel("postmortems", members=[sandbox.user("alice")["id"]])
    return "channels: {postmortems: postmortems}\n"


def shared_files(sandbox, channel: str) -> list[tuple[dict, dict]]:
    """(message, file) for every file shared in the channel, oldest first, with the file's content."""
    return [(m, sandbox.file(f["id"])) for m in sandbox.messages(channel) for f in m.get("files") or []]


def test_resolve_shares_the_draft_and_a_later_draft_keeps_a_persons_edits(bot, sandbox):
    incident = declare(sandbox, bot, "Checkout errors sev2")
    alice = sandbox.as_user("alice")
    bot.advance(timedelta(minutes=3))
    alice.command("/incident", "status identified Bad deploy of build 512", channel=incident["id"]).ack
    bot.advance(timedelta(minutes=12))
    alice.command("/incident", "status monitoring Rolled back", channel=incident["id"]).ack
    alice.command("/incident", "followup Add canary checks @bob", channel=incident["id"]).ack
    answer = alice.command("/incident", "postmortem", channel=incident["id"]).ack   # on demand, still open
    assert "Drafting the postmortem of incident #1" in answer["text"] and "shared in #postmortems" in answer["text"]
    bot.settle()
    [(message, file)] = shared_files(sandbox, "postmortems")
    assert "still open" in message["text"] and "| Time to mitigate | 15 min |" in file["content"]
    assert "| Time to resolve | not resolved yet |" in file["content"]
    bot.advance(timedelta(minutes=27))
    assert alice.command("/incident", "resolve Rolled back; errors gone", channel=incident["id"]).ack == {}
    bot.settle()

    [_, (message, file)] = shared_files(sandbox, "postmortems")
    assert "Incident #1 resolved: Checkout errors* (SEV2, lasted 42 min)" in message["text"]
    assert "version 2" in message["text"] and file["completed"] and file["name"] == "postmortem-incident-1-v2.md"
    body = file["content"]
    for expected in ("# Postmortem: incident #1, Checkout errors", "## Summary\n\nRolled back; errors gone",
                     "## Impact", "## Timeline of key events", "Identified: Bad deploy of build 512",
                     "## Contributing factors", "## Mitigation", "## What went well", "## What did not go well",
                     "## Follow-ups", "- [ ] Add canary checks", "| Time to acknowledge | 3 min |",
                     "| Time to mitigate | 15 min |", "| Time to resolve | 42 min |"):
        assert expected in body, expected + "\n" + body
    assert "drafted by AI" not in body   # no narrative was written
    assert file["size"] == len(body.encode()) and file["mimetype"] == "text/markdown"
    assert bot.query("SELECT body, origin FROM postmortem_versions WHERE number = 2") == [(body, "draft")]
    assert bot.query("SELECT file_id, message_ts FROM postmortem_uploads ORDER BY started_at")[-1] == \
        (file["id"], message["ts"])

    # a person edits it (on the web, through the same domain operation), then asks for a draft again
    edited = body.replace("- _What helped: detection, tools, people, runbooks?_", "- The rollback took 2 minutes")
    warroom = bot.bot
    warroom.domain.postmortems.edit(warroom.incidents.get(1), Actor(sandbox.user("alice")["id"]), edited, base=2)
    answer = alice.command("/incident", "postmortem", channel=incident["id"]).ack
    assert "has been edited by <@" in answer["text"] and "replace them, or keep them?" in answer["text"]
    bot.settle()
    assert len(shared_files(sandbox, "postmortems")) == 2, "nothing was drafted over the edits"
    assert bot.query("SELECT number, origin FROM postmortem_versions ORDER BY number") == \
        [(1, "draft"), (2, "draft"), (3, "human")]

    # Keep changes nothing; Replace drafts anew and shares it
    assert alice.click("Keep the edits", message=sandbox.ephemerals("alice", incident["id"])[-1]).ack == {}
    bot.settle()
    assert bot.query("SELECT current_version, pending_version FROM postmortems") == [(3, None)]
    answer = alice.command("/incident", "postmortem", channel=incident["id"]).ack
    assert alice.click("Replace with a new draft",
                       message=sandbox.ephemerals("alice", incident["id"])[-1]).ack == {}
    bot.settle()
    files = shared_files(sandbox, "postmortems")
    assert len(files) == 3 and files[2][1]["name"] == "postmortem-incident-1-v4.md"
    assert "The rollback took 2 minutes" not in files[2][1]["content"]
    assert bot.query("SELECT number, origin FROM postmortem_versions ORDER BY number") == \
        [(1, "draft"), (2, "draft"), (3, "human"), (4, "draft")]


def test_a_kill_while_the_file_is_being_shared_shares_it_once(sandbox, tmp_path, database_url):
    """kill -9 while files.completeUploadExternal is in flight (it lands anyway): the restarted bot finds
    the file it recorded in the channel and does not upload a second one."""
    sandbox.add_channel("postmortems", members=[sandbox.user("alice")["id"]])
    process = BotProcess(sandbox, tmp_path, "channels: {postmortems: postmortems}\n", database=database_url)
    try:
        process.start()
        alice = sandbox.as_user("alice")
        assert alice.command("/incident", "declare Killed mid upload sev2", channel="general").ack
        channel = sandbox.wait_for(lambda: next((c for c in sandbox.channels() if c["name"].startswith("incident-")
                                                 and alice.id in c["members"]), None), timeout=15)
        sandbox.faults.latency(1.5, "files.completeUploadExternal")
        assert alice.command("/incident", "resolve Rolled back", channel=channel["id"]).ack == {}
        sandbox.wait_for(lambda: any(c.method == "files.completeUploadExternal" and c.http_status == 0
                                     for c in sandbox.calls), timeout=15, message="the share never started")
        process.kill9()
        sandbox.wait_for(lambda: shared_files(sandbox, "postmortems"), timeout=5, message="the share never landed")
        sandbox.faults.clear()
        process.start()
        sandbox.wait_for(lambda: query(process.db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'")
                         == [(0,)], timeout=30, message="effects never finished")
        [(message, file)] = shared_files(sandbox, "postmortems")
        assert file["content"].startswith("# Postmortem: incident #1, Killed mid upload")
        assert [c.method for c in sandbox.calls].count("files.getUploadURLExternal") == 1
        assert query(process.db_path, "SELECT file_id, message_ts FROM postmortem_uploads") == \
            [(file["id"], message["ts"])]
    finally:
        process.stop()
