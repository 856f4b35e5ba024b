"""Follow-ups in the tracker, through Slack and each tracker's fake (tests/fakes): a follow-up becomes
a ticket, its link shows on the follow-up's message, and closing the ticket marks the follow-up done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import declare
from tests.fakes.github import FakeGitHub
from tests.fakes.jira import FakeJira
from tests.fakes.linear import FakeLinear
from tests.fakes.server import FakeServer, wait_until
from tests.web.client import WebClient

GITHUB_TOKEN = "github_pat_fortests"
JIRA_EMAIL, JIRA_TOKEN = "warroom@example.com", "jira-api-token-for-tests"
LINEAR_KEY = "lin_api_fortests"
LINEAR_TEAM = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"


@dataclass
class Tracker:
    kind: str
    fake: FakeServer
    name: str                  # as warroom says it
    ref: str                   # what the first ticket is called

    def tickets(self) -> list[Any]:
        return list(self.fake.issues)

    def close_first(self) -> None:
        self.fake.close(1 if self.kind == "github" else self.ref)

    def body_of_first(self) -> str:
        issue = self.tickets()[0]
        if self.kind == "jira":
            return "\n".join("".join(n["text"] for n in p["content"]) for p in issue.description["content"])
        return issue.body if self.kind == "github" else issue.description


def start(kind: str, monkeypatch) -> Tracker:
    if kind == "github":
        monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
        return Tracker(kind, FakeGitHub(GITHUB_TOKEN, "acme/ops").start(), "GitHub", "acme/ops#1")
    if kind == "jira":
        monkeypatch.setenv("JIRA_EMAIL", JIRA_EMAIL)
        monkeypatch.setenv("JIRA_API_TOKEN", JIRA_TOKEN)
        return Tracker(kind, FakeJira(JIRA_EMAIL, JIRA_TOKEN, "OPS").start(), "Jira", "OPS-1")
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    return Tracker(kind, FakeLinear(LINEAR_KEY, LINEAR_TEAM).start(), "Linear", "ENG-1")


@pytest.fixture
def kind():
    return "github"


@pytest.fixture
def auto():
    return True


@pytest.fixture
def tracker(kind, monkeypatch):
    started = start(kind, monkeypatch)
    yield started
    started.fake.stop()


@pytest.fixture
def config_text(tracker, auto):
    where = {"github": "repo: acme/ops", "jira": "project: OPS", "linear": f"team: {LINEAR_TEAM}"}[tracker.kind]
    labels = "labels: [warroom, follow-up]" if tracker.kind != "linear" else ""     # linear: label ids, none here
    return f"""
tracker:
  kind: {tracker.kind}
  {where}
  url: {tracker.fake.url}
  auto: {str(auto).lower()}
  poll: 1m
  {labels}
"""


def followup_message(sandbox, channel: str, contains: str = "Follow-up added") -> dict[str, Any]:
    return next(m for m in sandbox.messages(channel) if contains in sandbox.render(m))


def followup_text(sandbox, channel: str) -> str:
    """The follow-up's message as people see it, or "" while it is not posted yet."""
    message = next((m for m in sandbox.messages(channel) if "Follow-up added" in sandbox.render(m)), None)
    return sandbox.render(message) if message else ""


def later(bot, seconds: float) -> None:
    bot.advance(timedelta(seconds=seconds))
    bot.bot.runner.kick()


@pytest.mark.parametrize("kind", ["github", "jira", "linear"])
def test_a_followup_becomes_a_ticket_and_closing_it_marks_it_done(bot, sandbox, tracker):
    incident = declare(sandbox, bot)
    channel = incident["id"]
    assert sandbox.as_user("alice").command("/incident", "followup Add canary checks @bob", channel=channel).ack == {}
    wait_until(lambda: tracker.tickets(), message="no ticket was filed")
    bot.settle()
    [ticket] = tracker.tickets()
    assert (ticket.summary if tracker.kind == "jira" else ticket.title) == "Add canary checks"
    body = tracker.body_of_first()
    assert "incident #1: Checkout errors" in body and "Owner: bob" in body
    marker = bot.query("SELECT marker FROM tickets")[0][0]
    assert f"warroom reference: {marker}" in body
    if tracker.kind != "linear":
        assert list(ticket.labels) == ["warroom", "follow-up"]
    shown = followup_text(sandbox, channel)   # the follow-up's own message, edited to carry the link
    assert "Follow-up added by @alice: Add canary checks (owner: @bob)" in shown
    assert f"Ticket {tracker.ref} ({tracker.fake.url}/" in shown and f"in {tracker.name}" in shown
    assert "Create ticket" not in shown
    assert bot.query("SELECT kind FROM timeline WHERE kind LIKE 'ticket%'") == [("ticket_filed",)]
    listing = sandbox.as_user("alice").command("/incident", "followups", channel=channel).wait_reply(
        contains="Follow-ups")
    assert f":ticket: {tracker.ref} (" in sandbox.render(listing)
    web = WebClient(bot)                      # the incident's record on the web links it too
    web.sign_in(sandbox.user("alice")["id"])
    page = web.get("/incidents/1").body
    url = bot.query("SELECT url FROM tickets")[0][0]
    assert f'ticket <a href="{url}" rel="noopener noreferrer">{tracker.ref}</a>' in page

    later(bot, 60)          # polled while open: nothing changes
    wait_until(lambda: bot.query("SELECT checked_at IS NOT NULL FROM tickets") == [(1,)], message="never polled")
    assert bot.query("SELECT done_at FROM followups") == [(None,)]
    tracker.close_first()
    later(bot, 60)
    wait_until(lambda: bot.query("SELECT done_at IS NOT NULL FROM followups") == [(1,)], message="not marked done")
    bot.settle()
    shown = followup_text(sandbox, channel)
    assert f"Done: {tracker.ref} (" in shown and f"was closed in {tracker.name}" in shown
    assert bot.query("SELECT actor, data FROM timeline WHERE kind = 'followup_done'")[0][0] is None
    assert bot.query("SELECT state FROM tickets") == [("closed",)]
    timeline = sandbox.as_user("alice").command("/incident", "timeline", channel=channel).wait_reply(
        contains="Follow-up filed")
    shown = sandbox.render(timeline)
    assert f"Follow-up filed as {tracker.ref} (" in shown and "was closed: follow-up done: Add canary checks" in shown
    assert len(tracker.tickets()) == 1
    asked = len(tracker.fake.requests)
    later(bot, 60)          # nothing left to poll: the timer ends without asking the tracker
    wait_until(lambda: bot.query("SELECT count(*) FROM timers WHERE kind = 'tracker.poll'") == [(0,)],
               message="still polling")
    bot.settle()
    assert len(tracker.fake.requests) == asked


@pytest.mark.parametrize("kind", ["jira"])
def test_refused_credentials_are_said_clearly_and_nothing_is_lost(bot, sandbox, tracker, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "a-revoked-token")
    incident = declare(sandbox, bot)
    channel = incident["id"]
    assert sandbox.as_user("alice").command("/incident", "followup Rotate the DB password @bob", channel=channel).ack == {}
    notice = sandbox.wait_for(lambda: next((m for m in sandbox.messages(channel)
                                            if "could not file the follow-up" in m.get("text", "")), None))
    said = sandbox.render(notice)
    assert "@bob" in said and "Jira: HTTP 401" in said and "JIRA_EMAIL and JIRA_API_TOKEN" in said
    bot.settle()
    assert tracker.tickets() == [] and len(tracker.fake.requests) == 1, "a refusal is not retried"
    assert bot.query("SELECT state FROM tickets") == [("failed",)]
    assert bot.query("SELECT text, done_at FROM followups") == [("Rotate the DB password", None)]
    assert bot.query("SELECT data FROM timeline WHERE kind = 'ticket_failed'")
    assert "could not be filed in Jira" in followup_text(sandbox, channel)
    assert bot.query("SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]

    monkeypatch.setenv("JIRA_API_TOKEN", JIRA_TOKEN)      # the operator fixes the token; bob asks again
    sandbox.as_user("bob").join(channel)
    click = sandbox.as_user("bob").click("Create ticket", message=followup_message(sandbox, channel))
    assert "Filing the ticket" in sandbox.render(click.wait_reply(contains="Filing"))
    wait_until(lambda: bot.query("SELECT state, ref FROM tickets") == [("open", "OPS-1")], message="not filed")
    bot.settle()
    assert len(tracker.tickets()) == 1 and "Ticket OPS-1 (" in followup_text(sandbox, channel)


def test_a_rate_limit_is_waited_out_and_a_lost_answer_files_no_second_ticket(bot, sandbox, tracker):
    tracker.fake.fail(429, body={"message": "You have exceeded a secondary rate limit.", "documentation_url": "x"},
                      headers={"Retry-After": "30"})
    tracker.fake.lose_answers(1)     # then the issue is created but the answer never arrives (as a kill -9 would)
    incident = declare(sandbox, bot)
    assert sandbox.as_user("alice").command("/incident", "followup Page the DBA on replica lag",
                                            channel=incident["id"]).ack == {}
    wait_until(lambda: len(tracker.fake.requests) == 1, message="never tried")
    bot.settle(horizon=1)
    later(bot, 20)                      # not before Retry-After
    bot.settle(horizon=1)
    assert len(tracker.fake.requests) == 1 and tracker.tickets() == []
    later(bot, 15)                      # after it: filed, but the answer is lost
    wait_until(lambda: len(tracker.tickets()) == 1, message="never filed after the rate limit")
    bot.settle(horizon=1)
    later(bot, 120)                     # the next attempt (after its backoff) finds it by its marker
    wait_until(lambda: bot.query("SELECT state, ref FROM tickets") == [("open", "acme/ops#1")], message="not found")
    assert len(tracker.tickets()) == 1
    # filed (429), looked for by its marker then filed (answer lost), looked for again and found; then
    # perhaps read by the poll (GET …/issues/1), which the clock's jumps may have brought due
    issues = "/repos/acme/ops/issues"
    assert [m for m, p in tracker.fake.requests if p == issues] == ["POST", "GET", "POST", "GET"]
    assert {p for m, p in tracker.fake.requests} <= {issues, issues + "/1"}
    bot.settle(horizon=1)
    assert "Ticket acme/ops#1 (" in followup_text(sandbox, incident["id"])


@pytest.mark.parametrize("kind,auto", [("linear", False)])
def test_with_auto_off_the_owner_files_it_with_the_button(bot, sandbox, tracker):
    incident = declare(sandbox, bot)
    channel = incident["id"]
    for person in ("bob", "carol"):
        sandbox.as_user(person).join(channel)
    assert sandbox.as_user("alice").command("/incident", "followup Write the runbook @bob", channel=channel).ack == {}
    bot.settle()
    assert "Create ticket" in followup_text(sandbox, channel) and tracker.tickets() == []
    click = sandbox.as_user("carol").click("Create ticket", message=followup_message(sandbox, channel))
    assert "Only the follow-up's owner" in sandbox.render(click.wait_reply(contains="Only the"))
    sandbox.as_user("bob").click("Create ticket", message=followup_message(sandbox, channel)).ack
    wait_until(lambda: len(tracker.tickets()) == 1, message="the button filed nothing")
    bot.settle()
    shown = followup_text(sandbox, channel)
    assert "Ticket ENG-1 (" in shown and "in Linear" in shown and "Create ticket" not in shown
    assert bot.query("SELECT requested_by FROM tickets") == [(sandbox.user("bob")["id"],)]


def test_killed_while_github_files_it_the_restart_finds_the_ticket_instead_of_filing_again(sandbox, tmp_path,
                                                                                             database_url, tracker,
                                                                                             config_text):
    process = BotProcess(sandbox, tmp_path, config_text, database=database_url, env={"GITHUB_TOKEN": GITHUB_TOKEN})
    try:
        process.start()
        assert sandbox.as_user("alice").command("/incident", "declare Killed while filing sev2", channel="general").ack
        channel = sandbox.wait_for(lambda: next((c["id"] for c in sandbox.channels()
                                                 if c["name"].startswith("incident-")), None), timeout=15)
        alice = sandbox.user("alice")["id"]
        sandbox.wait_for(lambda: alice in sandbox.channel(channel)["members"], timeout=15)
        tracker.fake.answer_delay = 2.0        # GitHub makes the issue; its answer is on the way when the bot dies
        assert sandbox.as_user("alice").command("/incident", "followup Add canary checks", channel=channel).ack == {}
        wait_until(lambda: tracker.tickets(), message="never filed")
        process.kill9()
        tracker.fake.answer_delay = 0.0
        process.start()
        wait_until(lambda: query(process.db_path, "SELECT state, ref FROM tickets") == [("open", "acme/ops#1")],
                   timeout=30, message="the restart did not find the ticket")
        assert len(tracker.tickets()) == 1, "filed twice"
        # the follow-up's post was under way at the kill: it goes once that attempt is 10 s old
        sandbox.wait_for(lambda: "Ticket acme/ops#1 (" in followup_text(sandbox, channel), timeout=25,
                         message="the follow-up's message never showed the ticket")
        process.kill9()     # done: no need to wait for a graceful stop
    finally:
        process.stop()
