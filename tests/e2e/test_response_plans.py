"""Response plans through Slack: /incident declare --type sets up the type's channel, people, page,
roles, checklist and runbooks; the declare form has a type select."""

import pytest

from tests.e2e.helpers import pinned_text
from tests.e2e.oncall_config import oncall_yaml
from tests.web.api_support import ENV, SECRETS, Api
from tests.web.client import WebClient


@pytest.fixture
def config_text(sandbox, monkeypatch):
    secteam = sandbox.add_usergroup("secteam", users=[sandbox.user("dave")["id"]])
    monkeypatch.setenv(ENV["alice"], SECRETS["alice"])
    return oncall_yaml(sandbox, extra=f"""
api_keys: [{{name: alice-key, key_env: {ENV["alice"]}, user: alice}}]
incident_types:
  - name: security
    description: Suspected breach or leaked secret
    severity: sev2
    responders: [bob, {secteam}]
    page: secondary
    roles: [scribe, {{role: communications lead, user: bob}}]
    checklist: [Rotate exposed credentials, Tell legal]
    runbooks: [{{title: Security runbook, url: "https://wiki.example.com/security"}}]
    channel_name: sec-{{date}}-{{slug}}
  - name: breach
    severity: sev1
    roles: [{{role: commander, user: carol}}]
    private: true
""")


def checklist(sandbox, channel: str) -> dict:
    [message] = [m for m in sandbox.messages(channel) if "checklist" in sandbox.render(m)]
    return message


def test_a_typed_declare_sets_up_the_plan_and_the_checklist_ticks(bot, sandbox):
    result = sandbox.as_user("alice").command("/incident", "declare --type security Leaked API key", channel="general")
    assert "Leaked API key" in result.ack["text"]
    bot.settle()
    [channel] = [c for c in sandbox.channels() if c["name"].startswith("sec-")]
    assert channel["name"].endswith("-leaked-api-key") and not channel["is_private"]
    members = sandbox.channel(channel["id"])["members"]
    for name in ("alice", "bob", "dave", "carol"):    # declarer, responder, the group's member, the paged on-call
        assert sandbox.user(name)["id"] in members, name
    carol_dm = sandbox.messages(sandbox.dm_channel(sandbox.user("carol")["id"]))
    assert "You are being paged" in sandbox.render(carol_dm[-1]) and "Leaked API key" in sandbox.render(carol_dm[-1])
    status = pinned_text(sandbox, channel["id"])
    assert "SEV2" in status and "security · roles to fill: scribe" in status and "Communications lead @bob" in status
    assert [(b["title"], b["link"]) for b in sandbox.channel(channel["id"])["bookmarks"]] == [
        ("Security runbook", "https://wiki.example.com/security")]
    shown = sandbox.render(checklist(sandbox, channel["id"]))
    assert "*Security checklist* · 0 of 2 done" in shown and shown.count("[Tick]") == 2
    assert "Rotate exposed credentials" in shown and "Tell legal" in shown

    assert sandbox.as_user("bob").click("Tick", message=checklist(sandbox, channel["id"])).ack == {}
    bot.settle()
    shown = sandbox.render(checklist(sandbox, channel["id"]))
    assert "1 of 2 done" in shown and "~Rotate exposed credentials~ · @bob" in shown and "[Untick]" in shown
    assert sandbox.as_user("carol").click("Untick", message=checklist(sandbox, channel["id"])).ack == {}
    bot.settle()
    assert "0 of 2 done" in sandbox.render(checklist(sandbox, channel["id"]))
    ids = {sandbox.user(n)["id"]: n for n in ("bob", "carol")}
    events = bot.query("SELECT actor, text, data FROM timeline WHERE kind = 'checklist' ORDER BY id")
    assert [(ids[a], t, '"done": true' in d) for a, t, d in events] == [
        ("bob", "Rotate exposed credentials", True), ("carol", "Rotate exposed credentials", False)]
    web = WebClient(bot)
    web.sign_in(sandbox.user("alice")["id"])
    record = web.get("/incidents/1").body
    assert '<dd id="type">security</dd>' in record and "ticked “Rotate exposed credentials” on the checklist" in record


def test_the_declare_form_has_a_type_select_and_unknown_types_are_answered(bot, sandbox):
    alice = sandbox.as_user("alice")
    answer = alice.command("/incident", "declare --type secruity Leaked key", channel="general").ack["text"]
    assert "`secruity` is not an incident type" in answer and "`security`, `breach`" in answer
    assert "/incident declare --type security" in answer and bot.query("SELECT count(*) FROM incidents") == [(0,)]
    helped = alice.command("/incident", "help", channel="general").ack["text"].splitlines()
    assert "• `/incident declare --type &lt;type&gt; &lt;title&gt;`: declare with a response plan (its responders, " \
        "pages, roles, checklist and runbooks). Types: `security`, `breach`" in helped
    assert all(n.count("•") == 1 and n.startswith("• `/incident") for n in helped if "•" in n), "a command per line"

    alice.command("/incident", "declare --type=breach", channel="general")
    view = sandbox.wait_for(alice.view, message="declare modal never opened")
    select = next(b for b in view["blocks"] if b.get("block_id") == "type")["element"]
    assert [o["value"] for o in select["options"]] == ["security", "breach"]
    assert select["initial_option"]["value"] == "breach"
    # a plan names a commander: the form's commander starts empty, so the plan's is not overruled by a default
    commander = next(b for b in view["blocks"] if b.get("block_id") == "commander")
    assert commander["optional"] and "initial_user" not in commander["element"]
    assert alice.submit_view({"title": "Customer data exposed"}).ack == {}
    bot.settle()
    assert bot.query("SELECT severity, incident_type, is_private, commander FROM incidents") == [
        ("SEV1", "breach", 1, sandbox.user("carol")["id"])]
    [channel] = [c for c in sandbox.channels() if c["name"].endswith("customer-data-exposed")]
    assert channel["is_private"]
    assert "breach" in pinned_text(sandbox, channel["id"])

    # the API declares with a type too; its enum lists the configured ones
    api = Api(bot, "alice")
    assert api.post("/incidents", {"title": "Odd logins", "type": "secruity"}).status == 400
    answer = api.post("/incidents", {"title": "Odd logins", "type": "security", "severity": "sev3"})
    assert answer.status == 201 and answer.body["incident"]["severity"] == "SEV3"
    assert bot.query("SELECT incident_type FROM incidents WHERE title = 'Odd logins'") == [("security",)]
