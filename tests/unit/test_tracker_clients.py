"""The three tracker clients against their fakes (tests/fakes), without a bot: pages, batch reads,
finding a ticket by its marker, and what each kind of refusal or rate limit becomes."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.config.reader import ConfigError
from bot.config import parse_config
from bot.effects.errors import RetryLater
from bot.tracker.client import NewTicket, Refused, judge
from bot.tracker.github import GitHubClient
from bot.tracker.jira import JiraClient, adf
from bot.tracker.linear import LinearClient
from kernel.tickets import Ticket, TicketState
from tests.fakes.github import FakeGitHub, GitHubIssue
from tests.fakes.jira import FakeJira
from tests.fakes.linear import FakeLinear

TEAM = "team-uuid-1"


def ticket(followup_id: int, remote_id: str) -> Ticket:
    return Ticket(followup_id, "x", TicketState.OPEN, "m", remote_id, remote_id, None, None, None, 0.0, 0.0, None, None)


def new(title: str = "Add canary checks", marker: str = "warroom-followup-1-abc") -> NewTicket:
    return NewTicket(title, f"{title}\n\nwarroom reference: {marker}", marker, ("warroom",), None)


def run(make_client, fake, steps):
    async def go():
        async with aiohttp.ClientSession() as session:
            return await steps(make_client(session))
    try:
        return asyncio.run(go())
    finally:
        fake.stop()


def test_github_pages_batch_reads_and_refusals():
    fake = FakeGitHub("tok", "acme/ops").start()
    for n in range(1, 151):
        fake.issues.append(GitHubIssue(n, f"issue {n}", "warroom-followup-20-zz" if n == 20 else "", [], []))

    async def steps(client: GitHubClient):
        found = await client.find("warroom-followup-20-zz")       # on the second page of 100, newest first
        assert (found.ref, found.remote_id) == ("acme/ops#20", "20")
        assert await client.find("warroom-followup-99-none") is None
        fake.close(3)
        states = await client.states([ticket(1, "3"), ticket(2, "4"), ticket(3, "999")])
        assert states == {1: TicketState.CLOSED, 2: TicketState.OPEN, 3: TicketState.GONE}
        with pytest.raises(Refused) as invalid:
            await client.create(new(title=""))
        assert invalid.value.status == 422 and "title missing_field" in invalid.value.reason
        fake.exhaust(reset_in=600)
        with pytest.raises(RetryLater) as limited:
            await client.create(new())
        assert 590 <= limited.value.delay <= 600
        client.headers["Authorization"] = "Bearer wrong"
        with pytest.raises(Refused) as bad:
            await client.create(new())
        assert bad.value.status == 401 and "Bad credentials" in bad.value.reason
    run(lambda s: GitHubClient(s, fake.url, "acme/ops", "tok"), fake, steps)
    assert [p for m, p in fake.requests if m == "GET"][:3] == ["/repos/acme/ops/issues"] * 3


def test_jira_searches_page_with_next_page_tokens():
    fake = FakeJira("me@example.com", "tok", "OPS").start()

    async def steps(client: JiraClient):
        refs = [await client.create(new(title=f"t{n}", marker=f"mark-{n}")) for n in range(60)]
        assert refs[0].ref == "OPS-1" and refs[0].url == f"{fake.url}/browse/OPS-1"
        assert fake.issues[0].description["content"][1]["content"][0]["text"] == "warroom reference: mark-0"
        assert (await client.find("mark-5")).ref == "OPS-6"         # second page, newest first
        fake.close("OPS-2")
        states = await client.states([ticket(n, r.remote_id) for n, r in enumerate(refs)])
        assert states[1] == TicketState.CLOSED and states[0] == TicketState.OPEN and len(states) == 60
        assert len([s for s in fake.searches if s["jql"].startswith("id in")]) == 2, "60 tickets, two pages"
        gone = await client.states([ticket(1, refs[1].remote_id), ticket(99, "77777")])   # deleted in Jira
        assert gone == {1: TicketState.CLOSED, 99: TicketState.GONE}
        fake.fail(429, headers={"Retry-After": "7", "X-RateLimit-Reset": "2026-12-02T10:00Z"})
        with pytest.raises(RetryLater) as limited:
            await client.create(new())
        assert limited.value.delay == 7
        client.project = "NOPE"
        with pytest.raises(Refused) as invalid:
            await client.create(new())
        assert invalid.value.status == 400 and "project: valid project is required" in invalid.value.reason
        client.headers["Authorization"] = "Basic d3Jvbmc="
        with pytest.raises(Refused) as bad:
            await client.create(new())
        assert bad.value.status == 401
    run(lambda s: JiraClient(s, fake.url, "OPS", "Task", "me@example.com", "tok"), fake, steps)


def test_linear_pages_with_cursors_and_reads_graphql_errors():
    fake = FakeLinear("lin_api_key", TEAM).start()

    async def steps(client: LinearClient):
        refs = [await client.create(new(title=f"t{n}", marker=f"mark-{n}")) for n in range(60)]
        assert refs[0].ref == "ENG-1"
        assert (await client.find("mark-41")).ref == "ENG-42"
        fake.close("ENG-3", "canceled")
        states = await client.states([ticket(n, r.remote_id) for n, r in enumerate(refs)])
        assert states[2] == TicketState.CLOSED and states[0] == TicketState.OPEN and len(states) == 60
        reset = str(int((time.time() + 42) * 1000))
        fake.fail(400, body={"errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]},
                  headers={"X-RateLimit-Requests-Reset": reset})
        with pytest.raises(RetryLater) as limited:
            await client.create(new())
        assert 40 <= limited.value.delay <= 42
        client.team = "another-team"
        with pytest.raises(Refused) as invalid:
            await client.create(new())
        assert "Could not find referenced Team" in invalid.value.reason
        client.headers["Authorization"] = "Bearer lin_api_key"     # a personal key takes no Bearer
        with pytest.raises(Refused) as bad:
            await client.create(new())
        assert bad.value.status == 401 and "AUTHENTICATION_ERROR" in bad.value.reason
    run(lambda s: LinearClient(s, fake.url, TEAM, "lin_api_key"), fake, steps)


@pytest.mark.parametrize("status,headers,retried", [
    (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 60)}, True),
    (403, {"Retry-After": "5"}, True),          # GitHub's secondary limit
    (403, {"x-ratelimit-remaining": "4000"}, False),
    (429, {}, True), (503, {}, True), (404, {}, False), (401, {}, False)])
def test_what_an_answer_means(status, headers, retried):
    with pytest.raises(RetryLater if retried else Refused):
        judge("GitHub", status, headers, "no")


def test_jira_gets_paragraphs_with_links():
    doc = adf("Fix it\n\nSee https://warroom.example/incidents/3 now")
    assert doc["type"] == "doc" and len(doc["content"]) == 2
    link = doc["content"][1]["content"][1]
    assert link == {"type": "text", "text": "https://warroom.example/incidents/3",
                    "marks": [{"type": "link", "attrs": {"href": "https://warroom.example/incidents/3"}}]}


@pytest.mark.parametrize("section,environ,key,words", [
    ({"kind": "github"}, {"GITHUB_TOKEN": "t"}, "tracker.repo", "is required"),
    ({"kind": "github", "repo": "acme/ops"}, {}, "tracker.token_env", "GITHUB_TOKEN is not set"),
    ({"kind": "jira", "project": "OPS", "url": "https://a.atlassian.net"}, {"JIRA_EMAIL": "e"}, "tracker.token_env",
     "JIRA_API_TOKEN is not set"),
    ({"kind": "linear", "team": "t", "token_env": "OUR LINEAR"}, {}, "tracker.token_env", "not an environment"),
    ({"kind": "github", "repo": "acme/ops", "email_env": "E"}, {"GITHUB_TOKEN": "t"}, "tracker.email_env", "only"),
    ({"kind": "jira", "project": "OPS"}, {}, "tracker.url", "is required"),
    ({"kind": "linear", "team": "t", "repo": "a/b"}, {"LINEAR_API_KEY": "k"}, "tracker.repo", "not used"),
    ({"kind": "gitlab"}, {}, "tracker.kind", "must be one of"),
    ({"kind": "github", "repo": "acme/ops", "poll": "10s"}, {"GITHUB_TOKEN": "t"}, "tracker.poll", "every 30s"),
    ({"kind": "github", "repo": "acme/ops", "assignees": {"nobody": "x"}}, {"GITHUB_TOKEN": "t"},
     "tracker.assignees.nobody", "is not one of the users"),
])
def test_bad_tracker_config_fails_at_start_naming_the_key(section, environ, key, words):
    with pytest.raises(ConfigError) as refused:
        parse_config({"tracker": section}, "w.yml", environ)
    assert refused.value.key == key and words in refused.value.reason


def test_linear_gets_no_label_it_would_not_know():
    settings = parse_config({"tracker": {"kind": "linear", "team": "t"}}, "w.yml", {"LINEAR_API_KEY": "k"}).tracker
    assert settings.labels == () and settings.credentials == ("LINEAR_API_KEY",)


def test_a_token_never_shows_in_the_settings():
    settings = parse_config({"tracker": {"kind": "github", "repo": "acme/ops"}}, "w.yml",
                            {"GITHUB_TOKEN": "ghp_secret_value"}).tracker
    assert "ghp_secret_value" not in repr(settings) and settings.credentials == ("GITHUB_TOKEN",)
