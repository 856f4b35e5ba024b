"""The JSON API end to end: the real bot and the sandbox, on both engines. What the API changes shows
in Slack (channel, pinned status, topic, alert message), and every key is exactly its person."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.helpers import last_text, newest_incident_channel, pinned_text, texts
from tests.web.api_support import SECRETS, Api, api_config, send_alert
from tests.web.client import WebClient


@pytest.fixture
def config_text(sandbox, monkeypatch):
    return api_config(sandbox, monkeypatch)


def declare(bot, user: str = "alice", **body) -> dict:
    answer = Api(bot, user).post("/incidents", {"title": "Checkout errors", "severity": "sev2", **body})
    assert answer.status == 201, answer
    bot.settle()
    return answer.body["incident"]


def test_declare_makes_the_channel_its_pinned_status_and_the_announcement(bot, sandbox):
    answer = Api(bot, "alice").post("/incidents", {"title": "Checkout errors", "severity": "sev2",
                                                   "description": "5xx on /pay"})
    assert answer.status == 201 and answer.body["ok"] is True, answer
    incident = answer.body["incident"]
    alice = sandbox.user("alice")["id"]
    assert (incident["id"], incident["title"], incident["severity"], incident["status"], incident["private"]) == (
        1, "Checkout errors", "SEV2", "investigating", False)
    assert incident["commander"] == {"id": alice, "name": "alice"} and incident["roles"] == [
        {"role": "commander", "user": {"id": alice, "name": "alice"}}]
    bot.settle()
    channel = newest_incident_channel(sandbox)
    assert channel["topic"]["value"] == "SEV2 | Investigating | Commander: @alice | Checkout errors"
    status = pinned_text(sandbox, channel["id"])
    assert "Incident #1: Checkout errors" in status and "SEV2" in status and "Investigating" in status
    assert "SEV2 incident declared:* Checkout errors" in last_text(sandbox, "incidents")
    assert bot.query("SELECT declared_by, source FROM incidents") == [(alice, '{"api": "alice-key"}')]
    got = Api(bot, "alice").get("/incidents/1")
    assert got.status == 200 and got.body["incident"]["channel"] == {"id": channel["id"], "name": channel["name"]}
    assert [e["kind"] for e in got.body["timeline"]] == ["declared"]


def test_updates_severity_and_commander_through_the_api_change_the_pinned_status_in_slack(bot, sandbox):
    declare(bot)
    channel = newest_incident_channel(sandbox)
    api = Api(bot, "alice")
    update = api.post("/incidents/1/updates", {"message": "Rolled back deploy 512", "status": "monitoring"})
    assert update.status == 200 and update.body["incident"]["status"] == "monitoring", update
    assert api.post("/incidents/1/severity", {"severity": "sev1"}).body["incident"]["severity"] == "SEV1"
    handed = api.post("/incidents/1/roles", {"role": "commander", "user": "bob"})
    assert handed.status == 200 and handed.body["incident"]["commander"]["name"] == "bob", handed
    bot.settle()
    status = pinned_text(sandbox, channel["id"])
    assert "*Status* Monitoring" in status and "*Severity* SEV1" in status and "*Commander* @bob" in status
    assert sandbox.channel(channel["id"])["topic"]["value"] == "SEV1 | Monitoring | Commander: @bob | Checkout errors"
    assert any("Rolled back deploy 512" in text for text in texts(sandbox, channel["id"]))
    assert sandbox.user("bob")["id"] in sandbox.channel(channel["id"])["members"]
    kinds = [e["kind"] for e in api.get("/incidents/1").body["timeline"]]
    assert kinds == ["declared", "update", "severity", "role"]


def test_resolve_and_what_a_resolved_incident_refuses(bot, sandbox):
    declare(bot)
    channel = newest_incident_channel(sandbox)
    api = Api(bot, "alice")
    done = api.post("/incidents/1/resolve", {"summary": "A bad deploy; rolled back.", "root_cause": "Deploy 512"})
    assert done.status == 200 and done.body["incident"]["status"] == "resolved", done
    assert done.body["incident"]["summary"] == "A bad deploy; rolled back." and done.body["incident"]["resolved_at"]
    bot.settle()
    assert "Resolved" in pinned_text(sandbox, channel["id"])
    again = api.post("/incidents/1/resolve", {"summary": "again"})
    assert again.status == 409 and again.body["code"] == "incident_resolved"
    assert "Incident #1 was resolved" in again.error and "reopen" in again.error
    late = api.post("/incidents/1/updates", {"message": "too late"})
    assert late.status == 409 and late.body["code"] == "incident_resolved"
    assert [i["id"] for i in api.get("/incidents?state=resolved").body["incidents"]] == [1]
    assert api.get("/incidents").body["incidents"] == []


def test_requests_without_a_key_or_with_a_wrong_one_are_refused_and_no_secret_is_logged(bot, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="warroom.api")
    declare(bot)
    for api, code in ((Api(bot, None), "no_key"), (Api(bot, authorization="Bearer not-a-key-at-all-0123456789"),
                                                   "wrong_key"),
                      (Api(bot, authorization=f"Basic {SECRETS['alice']}"), "no_key")):
        for answer in (api.get("/incidents"), api.get("/incidents/1"), api.post("/incidents", {"title": "x"})):
            assert answer.status == 401 and answer.body["ok"] is False and answer.body["code"] == code, answer
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            assert answer.headers["Content-Type"].startswith("application/json")
            assert "Authorization: Bearer <key>" in answer.error and "api_keys" in answer.error
            assert "Checkout" not in answer.raw.decode()
    wrong = Api(bot, authorization="Bearer not-a-key-at-all-0123456789")
    for _ in range(30):
        assert wrong.get("/alerts").status == 401
    assert bot.query("SELECT count(*) FROM incidents") == [(1,)]
    refusals = [r for r in caplog.records if r.getMessage() == "api.request" and r.fields["status"] == 401]
    # 39 refusals of two kinds: one line per kind in each 10 s window (and later how many were held back)
    assert 2 <= len(refusals) <= 4, f"refusals are logged at a bounded rate, not once each: {len(refusals)}"
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "not-a-key-at-all" not in logged and not any(secret in logged for secret in SECRETS.values())
    assert Api(bot, None).get("/openapi.json").status == 200, "the description needs no key"


def test_a_private_incident_is_refused_to_a_key_whose_person_is_not_in_it(bot, sandbox):
    private = declare(bot, title="Payroll leak", private=True)
    declare(bot, title="Public one")
    alice, bob, dave = Api(bot, "alice"), Api(bot, "bob"), Api(bot, "dave")
    assert [i["title"] for i in alice.get("/incidents").body["incidents"]] == ["Public one", "Payroll leak"]
    assert [i["title"] for i in dave.get("/incidents?state=all").body["incidents"]] == ["Public one"]
    for outsider in (bob, dave):
        got = outsider.get(f"/incidents/{private['id']}")
        assert got.status == 404 and got.body["code"] == "no_such_incident", got
        assert "Payroll" not in got.raw.decode() and f"no incident #{private['id']}" in got.error
        for path, body in (("updates", {"message": "hi"}), ("severity", {"severity": "sev1"}),
                           ("resolve", {"summary": "x"}), ("roles", {"role": "scribe", "user": "dave"})):
            refused = outsider.post(f"/incidents/{private['id']}/{path}", body)
            assert refused.status == 404 and "Payroll" not in refused.raw.decode(), refused
    assert bot.query("SELECT status, severity FROM incidents WHERE id = ?", (private["id"],)) == [
        ("investigating", "SEV2")]
    # alice makes bob the scribe: now he is in it, and sees it
    assert alice.post(f"/incidents/{private['id']}/roles", {"role": "scribe", "user": "bob"}).status == 200
    assert bob.get(f"/incidents/{private['id']}").body["incident"]["title"] == "Payroll leak"
    assert dave.get(f"/incidents/{private['id']}").status == 404


def test_each_key_has_exactly_its_persons_permissions(bot, sandbox):
    declare(bot)
    bob, dave = Api(bot, "bob"), Api(bot, "dave")
    outside = dave.post("/incidents/1/updates", {"message": "from outside"})
    assert outside.status == 403 and outside.body["code"] == "not_in_channel", outside
    assert "Join the channel in Slack first" in outside.error
    assert Api(bot, "alice").post("/incidents/1/roles", {"role": "scribe", "user": "bob"}).status == 200
    assert bob.post("/incidents/1/updates", {"message": "Bob looked at the graphs"}).status == 200
    for path, body in (("severity", {"severity": "sev1"}), ("resolve", {"summary": "done"}),
                       ("roles", {"role": "commander", "user": "bob"})):
        refused = bob.post(f"/incidents/1/{path}", body)
        assert refused.status == 403 and refused.body["code"] == "commander_only", refused
        assert "Only the commander of incident #1 (alice)" in refused.error and "acts as bob" in refused.error
    assert bot.query("SELECT severity, status, commander FROM incidents") == [
        ("SEV2", "investigating", sandbox.user("alice")["id"])]


def test_bad_input_is_refused_with_what_was_wrong_and_how_to_do_it_right(bot, sandbox):
    api = Api(bot, "alice")
    cases = [
        (api.post("/incidents", raw=b"{not json"), 400, "not_json", "Send a JSON object like"),
        (api.post("/incidents", [1, 2]), 400, "body_not_object", "not a list"),
        (api.post("/incidents", {}), 400, "missing_field", 'needs "title"'),
        (api.post("/incidents", {"title": "x", "sevrity": "sev1"}), 400, "unknown_field", 'no field "sevrity"'),
        (api.post("/incidents", {"title": 5}), 400, "wrong_type", "must be text"),
        (api.post("/incidents", {"title": "x", "severity": "sev9"}), 400, "not_one_of", "sev1, sev2, sev3, sev4"),
        (api.post("/incidents", {"title": "   "}), 400, "empty_text", "The title is empty"),
        (api.post("/incidents", {"title": "x" * 200}), 400, "text_too_long", "keep it under 150"),
        (api.post("/incidents", {"title": "x", "commander": "nobody-here"}), 400, "not_a_user", "Slack user ID"),
        (api.post("/incidents", {"title": "x" * 70_000}), 413, "body_too_large", "65,536 bytes"),
        (api.post("/incidents", raw=b"title=x", headers={"Content-Type": "application/x-www-form-urlencoded"}),
         415, "body_not_json_type", "Content-Type: application/json"),
        (api.get("/incidents?state=closed"), 400, "not_one_of", "open, resolved, all"),
        (api.get("/incidents?limit=0"), 400, "out_of_range", "between 1 and 200"),
        (api.get("/incidents?limit=5&limit=6"), 400, "repeated_field", "give it once"),
        (api.get("/incidents?colour=red"), 400, "unknown_field", 'no field "colour"'),
        (api.get("/incidents/abc"), 400, "wrong_type", "a whole number"),
        (api.get("/incidents/99"), 404, "no_such_incident", "no incident #99"),
        (api.get("/nothing/here"), 404, "no_such_endpoint", "openapi.json"),
        (api.send("DELETE", "/incidents/1"), 405, "method_not_allowed", "it takes GET"),
    ]
    for answer, status, code, said in cases:
        assert (answer.status, (answer.body or {}).get("code")) == (status, code), answer
        assert said in answer.error, (said, answer.error)
    assert cases[-1][0].headers["Allow"] == "GET, HEAD"
    declare(bot)
    wrong_status = api.post("/incidents/1/updates", {"message": "x", "status": "resolved"})
    assert wrong_status.status == 400 and "POST /api/v1/incidents/{id}/resolve" in wrong_status.error
    same = api.post("/incidents/1/severity", {"severity": "sev2"})
    assert same.status == 409 and same.body["code"] == "same_severity"
    role = api.post("/incidents/1/roles", {"role": "janitor", "user": "bob"})
    assert role.status == 400 and "is not a role" in role.error and "scribe" in role.error
    assert bot.query("SELECT count(*) FROM incidents") == [(1,)]


def test_alerts_are_listed_acknowledged_and_resolved_as_their_buttons_do(bot, sandbox):
    send_alert(bot, "Disk full on db-3")
    alice, dave = Api(bot, "alice"), Api(bot, "dave")
    listed = alice.get("/alerts")
    assert listed.status == 200 and [(a["id"], a["summary"], a["status"]) for a in listed.body["alerts"]] == [
        (1, "Disk full on db-3", "pending")]
    refused = dave.post("/alerts/1/acknowledge")
    assert refused.status == 403 and refused.body["code"] == "alert_not_yours" and "acts as" in refused.error
    taken = alice.post("/alerts/1/acknowledge", {"note": "On it"})
    assert taken.status == 200 and taken.body["alert"]["status"] == "accepted", taken
    assert taken.body["alert"]["accepted_by"]["name"] == "alice"
    bot.settle()
    assert "*Acknowledged* by @alice" in last_text(sandbox, "alerts")
    again = alice.post("/alerts/1/acknowledge")
    assert again.status == 409 and "already acknowledged alert #1" in again.error
    done = alice.post("/alerts/1/resolve")
    assert done.status == 200 and done.body["alert"]["status"] == "resolved"
    assert alice.post("/alerts/1/resolve").status == 409
    assert alice.get("/alerts").body["alerts"] == [] and len(alice.get("/alerts?state=all").body["alerts"]) == 1
    assert alice.get("/alerts/7").status == 404
    assert bot.query("SELECT status, accepted_by, resolved_by FROM alerts") == [
        ("resolved", sandbox.user("alice")["id"], sandbox.user("alice")["id"])]


def test_who_is_on_call_now_and_a_schedules_shifts_over_a_window(bot, sandbox):
    api = Api(bot, "dave")
    now = api.get("/oncall")
    assert now.status == 200, now
    assert [(o["schedule"], o["user"]["name"]) for o in now.body["oncall"]] == [("primary", "alice"),
                                                                               ("secondary", "carol")]
    midnight = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = midnight.isoformat(), (midnight + timedelta(days=3)).isoformat()
    shifts = api.get(f"/schedules/primary/shifts?from={start.replace('+', '%2B')}&to={end.replace('+', '%2B')}")
    assert shifts.status == 200, shifts
    assert [(s["user"]["name"], s["start"], s["end"]) for s in shifts.body["shifts"]] == [
        ("alice", start, (midnight + timedelta(days=1)).isoformat()),
        ("bob", (midnight + timedelta(days=1)).isoformat(), (midnight + timedelta(days=2)).isoformat()),
        ("alice", (midnight + timedelta(days=2)).isoformat(), end)]
    assert [s["name"] for s in api.get("/schedules").body["schedules"]] == ["primary", "secondary"]
    missing = api.get("/schedules/tertiary/shifts")
    assert missing.status == 404 and "primary, secondary" in missing.error
    long = api.get(f"/schedules/primary/shifts?from={start.replace('+', '%2B')}&to=2030-01-01T00:00:00Z")
    assert long.status == 400 and "at most 92 days" in long.error
    naive = api.get("/schedules/primary/shifts?from=2026-01-01T00:00")
    assert naive.status == 400 and "with its offset" in naive.error


def test_the_list_pages_and_filters_by_severity_skipping_what_the_key_may_not_see(bot, sandbox):
    for title, severity, private in (("One", "sev1", False), ("Two", "sev2", True), ("Three", "sev1", False),
                                     ("Four", "sev1", False)):
        assert Api(bot, "alice").post("/incidents", {"title": title, "severity": severity,
                                                     "private": private}).status == 201
    bob = Api(bot, "bob")
    first = bob.get("/incidents?limit=2")
    assert [i["title"] for i in first.body["incidents"]] == ["Four", "Three"] and first.body["next_before"] == 3
    rest = bob.get("/incidents?limit=2&before=3")
    assert [i["title"] for i in rest.body["incidents"]] == ["One"] and rest.body["next_before"] is None
    assert [i["title"] for i in bob.get("/incidents?severity=sev2").body["incidents"]] == []
    assert [i["title"] for i in Api(bot, "alice").get("/incidents?severity=sev2").body["incidents"]] == ["Two"]


def test_texts_go_in_and_come_out_as_people_typed_them_whichever_side_wrote_them(bot, sandbox):
    """Slack escapes & < > in what people type; the API takes and gives plain text. Both meet in one
    record: what the API returns has no Slack escapes, and what it was given shows in Slack as typed."""
    declared = sandbox.as_user("alice").command("/incident", "declare Latency & errors <5s> sev2", channel="general")
    assert declared.ack, declared
    bot.settle()
    channel = newest_incident_channel(sandbox)["id"]
    assert sandbox.as_user("alice").command("/incident", "status identified Cache & DB <both> slow",
                                            channel=channel).ack == {}
    api = Api(bot, "alice")
    assert api.post("/incidents/1/updates", {"message": "p99 < 2s & falling", "status": "monitoring"}).status == 200
    done = api.post("/incidents/1/resolve", {"summary": "Cache <evicted> & refilled", "root_cause": "a & b"})
    assert done.status == 200, done
    assert (done.body["incident"]["summary"], done.body["incident"]["root_cause"]) == (
        "Cache <evicted> & refilled", "a & b")
    bot.settle()
    got = api.get("/incidents/1").body
    assert got["incident"]["title"] == "Latency & errors <5s>"
    said = [e["text"] for e in got["timeline"]]
    assert any("Cache & DB <both> slow" in t for t in said), said
    assert any("p99 < 2s & falling" in t for t in said), said
    assert not any("&amp;" in t or "&lt;" in t for t in said), said
    assert "Incident #1: Latency & errors <5s>" in pinned_text(sandbox, channel)    # a plain_text header
    shown = texts(sandbox, channel)
    assert any("p99 < 2s & falling" in t for t in shown), shown
    assert any("Cache <evicted> & refilled" in t for t in shown), shown


def test_the_incident_document_carries_its_follow_ups_as_typed(bot, sandbox):
    declare(bot)
    channel = newest_incident_channel(sandbox)["id"]
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "followup Add canary checks & alerts <p99> @bob", channel=channel).ack == {}
    assert alice.command("/incident", "followup Write the runbook", channel=channel).ack == {}
    bot.settle()
    got = Api(bot, "alice").get("/incidents/1")
    assert got.status == 200, got
    bob, alice_id = sandbox.user("bob")["id"], sandbox.user("alice")["id"]
    assert [(f["text"], f["owner"], f["created_by"]["id"], f["done_at"], f["ticket"]) for f in got.body["followups"]] == [
        ("Add canary checks & alerts <p99>", {"id": bob, "name": "bob"}, alice_id, None, None),
        ("Write the runbook", None, alice_id, None, None)]



def test_a_title_shaped_like_a_slack_link_is_shown_as_typed_on_the_web(bot, sandbox):
    """Titles are plain text: one sent through the API that looks like Slack markup is no link on the
    incident's page (its timeline's "Declared" row), only the words as typed."""
    declare(bot, title="Checkout <https://evil.example|sign in here>")
    web = WebClient(bot)
    web.sign_in(sandbox.user("alice")["id"])
    page = web.get("/incidents/1").body
    assert 'href="https://evil.example"' not in page
    assert "Checkout &lt;https://evil.example|sign in here&gt;" in page


def test_a_text_long_only_because_of_its_angle_brackets_is_refused_saying_so(bot, sandbox):
    """The record keeps & < > as Slack writes them, and that is what a limit counts: 1,000 typed '<' are
    4,000 characters, and the refusal says both numbers rather than one the caller never sent."""
    declare(bot)
    refused = Api(bot, "alice").post("/incidents/1/resolve", {"summary": "<" * 1000})
    assert refused.status == 400 and refused.body["code"] == "text_too_long"
    assert "The summary is 4,000 characters once each &, < and > is written as Slack needs it (1,000 as typed)" \
        in refused.error and "keep it under 3,000" in refused.error
    assert bot.query("SELECT status FROM incidents") == [("investigating",)]
