"""The public status page, end to end: slash commands typed in the sandbox's Slack, then what a visitor
with no account reads at /status, /status.json and /status/feed.atom (and in a real browser).

Decided where the issue was silent: an incident's title is NOT public (internal titles name causes and
customers); the page names a public incident by its impact and components ("Major outage affecting
API"), numbers it in its own sequence, and shows only what was written with ``--public``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.e2e.helpers import declare, last_text

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET_TITLE = "Postgres primary OOM at Initech"


@pytest.fixture
def config_text(sandbox):
    managers = sandbox.add_usergroup("incident-managers", users=[sandbox.user("carol")["id"]])
    sandbox.add_channel("comms", members=[sandbox.user("alice")["id"]])
    return f"""
channels: {{comms: comms}}
incident_managers: {managers}
status_page:
  title: Example Inc. status
  components:
    - API
    - {{name: Website, description: www.example.com and the dashboard}}
    - Web app
"""


def run(sandbox, bot, text, channel, user="alice"):
    result = sandbox.as_user(user).command("/incident", text, channel=channel["id"])
    ack = result.ack          # waits for the bot's answer: only then is what it recorded worth settling
    bot.settle()
    return ack


def feed_entries(body: str) -> list[tuple[str, str]]:
    root = ET.fromstring(body)
    return [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}content")) for e in root.findall(f"{ATOM}entry")]


def test_a_public_update_reaches_the_page_the_json_and_the_feed_and_nothing_else_does(bot, sandbox, web):
    incident = declare(sandbox, bot, f"{SECRET_TITLE} sev1")
    assert web.get("/status.json").status == 200
    assert json.loads(web.get("/status.json").body)["status"]["state"] == "operational"

    # before it is public: --public is refused, saying how to make it public and listing the components
    ack = run(sandbox, bot, "status --public We are looking into API errors", incident)
    assert "is not on the public status page" in ack["text"] and "`API`, `Website`, `Web app`" in ack["text"]
    assert "We are looking into" not in web.get("/status").body

    ack = run(sandbox, bot, "public Billing", incident)
    assert "`Billing` is not a status page component" in ack["text"]
    assert "`API`, `Website`, `Web app`" in ack["text"]
    assert run(sandbox, bot, "public api, web app", incident) == {}
    assert "put this incident on the public status page, affecting *API, Web app*" in last_text(sandbox, incident["id"])

    run(sandbox, bot, "status identified Internal: the OOM killer took the primary", incident)   # internal
    run(sandbox, bot, "note customer Initech is hit hardest", incident)
    run(sandbox, bot, "status --public Some API requests fail; we have found why. --comms", incident)
    post = last_text(sandbox, incident["id"])
    assert "Some API requests fail" in post and "also on the public status page" in post  # an ordinary update too
    assert "Some API requests fail" in last_text(sandbox, "comms")                       # --comms still works

    page = web.get("/status").body
    assert "Some API requests fail; we have found why." in page
    assert "Major outage affecting API, Web app" in page and "Some systems are down" in page
    for internal in (SECRET_TITLE, "OOM killer", "Initech", "@alice", incident["name"]):
        assert internal not in page
    status = json.loads(web.get("/status.json").body)
    assert status["status"]["state"] == "major_outage"
    states = {c["name"]: c["state"] for c in status["components"]}
    assert states == {"API": "major_outage", "Website": "operational", "Web app": "major_outage"}
    assert len(status["components"][0]["history"]) == 90
    assert status["components"][0]["history"][-1]["state"] == "major_outage"
    [shown] = status["incidents"]
    assert shown["id"] == 1 and shown["status"] == "identified" and shown["components"] == ["API", "Web app"]
    assert [u["text"] for u in shown["updates"]] == ["Some API requests fail; we have found why."]
    assert SECRET_TITLE not in json.dumps(status) and "OOM" not in json.dumps(status)
    assert feed_entries(web.get("/status/feed.atom").body) == [
        ("Identified: Major outage affecting API, Web app", "Some API requests fail; we have found why.")]

    run(sandbox, bot, "resolve Root cause: Initech's batch job exhausted memory", incident)
    status = json.loads(web.get("/status.json").body)
    assert status["status"]["state"] == "operational" and status["incidents"] == []
    [past] = status["history"]
    assert [u["status"] for u in past["updates"]] == ["resolved", "identified"]
    assert past["updates"][0]["text"] == "This incident has been resolved."
    assert "Initech" not in json.dumps(status) and "Initech" not in web.get("/status").body
    assert feed_entries(web.get("/status/feed.atom").body)[0] == (
        "Resolved: Major outage affecting API, Web app", "This incident has been resolved.")


def test_a_private_incident_can_never_go_public_and_never_shows(bot, sandbox, web):
    alice = sandbox.as_user("alice")
    alice.command("/incident", "declare", channel="general")
    sandbox.wait_for(alice.view)
    alice.submit_view({"title": "Leaked signing keys", "severity": "sev1", "private": ["private"]})
    bot.settle()
    secret = [c for c in sandbox.channels() if c["name"].startswith("incident-")][-1]
    ack = run(sandbox, bot, "public API", secret)
    assert "is private, so nothing of it can go on the public status page" in ack["text"]
    ack = run(sandbox, bot, "status --public Keys rotated", secret)
    assert "is private" in ack["text"]
    assert "Keys rotated" not in last_text(sandbox, secret["id"]), "refused before anything was posted"
    run(sandbox, bot, "status monitoring Keys rotated", secret)
    assert bot.query("SELECT COUNT(*) FROM status_incidents") == [(0,)]
    assert bot.query("SELECT COUNT(*) FROM status_updates") == [(0,)]
    for path in ("/status", "/status.json", "/status/feed.atom"):
        body = web.get(path).body
        assert "Leaked" not in body and "Keys rotated" not in body and "signing" not in body
    status = json.loads(web.get("/status.json").body)
    assert status["incidents"] == [] and status["history"] == [] and status["status"]["state"] == "operational"
    # a public incident declared after it is number 1 on the page: the private one leaves no gap
    public = declare(sandbox, bot, "Checkout slow sev3")
    run(sandbox, bot, "public Website", public)
    run(sandbox, bot, "status --public Checkout is slow", public)
    assert [i["id"] for i in json.loads(web.get("/status.json").body)["incidents"]] == [1]
    assert "Degraded performance affecting Website" in web.get("/status").body


def test_only_the_people_in_it_change_the_page_and_it_can_be_taken_off(bot, sandbox, web):
    incident = declare(sandbox, bot, "Login errors sev2")
    assert "not on the public status page" in run(sandbox, bot, "public", incident)["text"]
    run(sandbox, bot, "public website API", incident)          # no commas: each word a component
    assert "affecting *Website, API*" in last_text(sandbox, incident["id"])
    run(sandbox, bot, "public Website", incident)                # again: the components change
    assert "changed what this incident affects on the public status page to *Website*" in last_text(
        sandbox, incident["id"])
    assert "on the public status page, affecting *Website*" in run(sandbox, bot, "public", incident)["text"]
    run(sandbox, bot, "status investigating --public", incident)     # no text: the standard words
    assert "We are investigating this issue." in web.get("/status").body
    assert "Partial outage affecting Website" in web.get("/status").body
    # dave is not in the channel: a click-equivalent from outside is refused by the same rule as status
    from bot.actor import Actor
    from bot.incidents.model import IncidentError
    record = bot.run(lambda: bot.bot.incidents.get(1))
    with pytest.raises(IncidentError) as refused:
        bot.run(lambda: bot.bot.domain.status_page.make_public(
            record, Actor(sandbox.user("dave")["id"], in_channel=False), ["API"]))
    assert refused.value.code == "not_in_channel"
    assert run(sandbox, bot, "public off", incident) == {}
    assert "took this incident off the public status page" in last_text(sandbox, incident["id"])
    status = json.loads(web.get("/status.json").body)
    assert status["incidents"] == [] and status["status"]["state"] == "operational"
    assert "We are investigating" not in web.get("/status").body
    assert feed_entries(web.get("/status/feed.atom").body) == []


def test_etag_and_304_on_all_three_and_a_change_changes_the_etag(bot, sandbox, web):
    first = {}
    for path in ("/status", "/status.json", "/status/feed.atom"):
        reply = web.get(path)
        assert reply.status == 200 and reply.headers["Cache-Control"] == "public, max-age=15"
        etag = reply.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        first[path] = etag
        again = web.get(path, headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == "" and again.headers["ETag"] == etag
        assert web.get(path, headers={"If-None-Match": f'"other", W/{etag}'}).status == 304
        assert web.get(path, headers={"If-None-Match": '"other"'}).status == 200
    incident = declare(sandbox, bot, "Slow API sev3")
    run(sandbox, bot, "public API", incident)
    run(sandbox, bot, "status --public Responses are slow", incident)
    for path, etag in first.items():
        changed = web.get(path, headers={"If-None-Match": etag})
        assert changed.status == 200 and changed.headers["ETag"] != etag
    # a severity change is not an update, but it changes what the page shows: the cache notices
    before = web.get("/status.json")
    run(sandbox, bot, "severity sev1", incident)
    after = web.get("/status.json", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status == 200 and json.loads(after.body)["status"]["state"] == "major_outage"


def test_the_atom_feed_is_valid_atom(bot, sandbox, web):
    incident = declare(sandbox, bot, "Queue backlog sev2")
    run(sandbox, bot, "public API, Website", incident)
    run(sandbox, bot, "status --public Jobs are delayed <by about> 10 & more minutes", incident)
    run(sandbox, bot, "status monitoring --public", incident)
    reply = web.get("/status/feed.atom")
    assert reply.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(reply.body)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Example Inc. status"
    assert root.findtext(f"{ATOM}id") == web.base + "/status/feed.atom"
    assert root.findtext(f"{ATOM}updated").endswith("Z")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    entries = root.findall(f"{ATOM}entry")
    assert [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}content")) for e in entries] == [
        ("Monitoring: Partial outage affecting API, Website", "A fix is in place and we are watching the results."),
        ("Investigating: Partial outage affecting API, Website", "Jobs are delayed <by about> 10 & more minutes"),
    ]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith(web.base + "/status#update-")
        assert entry.findtext(f"{ATOM}updated").endswith("Z")
        assert entry.find(f"{ATOM}link").get("href").startswith(web.base + "/status#incident-")
    assert root.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")


def test_the_status_page_in_a_browser_shows_only_public_updates(bot, sandbox, web, page):
    incident = declare(sandbox, bot, f"{SECRET_TITLE} sev2")
    run(sandbox, bot, "public Web app", incident)
    run(sandbox, bot, "status identified Internal only: primary restarted twice", incident)
    run(sandbox, bot, "status --public Saving documents fails for some people", incident)
    page.goto(web.base + "/status")
    assert page.get_by_role("heading", name="Example Inc. status", level=1).is_visible()
    assert page.get_by_role("status").inner_text() == "Some systems are partly down"
    current = page.locator("section", has=page.get_by_role("heading", name="Current incidents"))
    assert current.get_by_role("heading", name="Partial outage affecting Web app").is_visible()
    assert "Saving documents fails for some people" in current.inner_text()
    text = page.locator("body").inner_text()
    assert "Internal only" not in text and SECRET_TITLE not in text and "Initech" not in text
    assert "Web app\nPartial outage" in page.locator("li.component").nth(2).inner_text()
    assert page.locator("li.component").nth(0).locator("span.day").count() == 90


def test_without_a_status_page_in_the_config_the_addresses_say_so(sandbox, database_url):
    from harness import make_config
    from harness.bots import BotThread
    from tests.web.client import WebClient
    bot = BotThread(sandbox, make_config(""), database_url).start()
    try:
        web = WebClient(bot)
        assert web.get("/status").status == 404 and "no public status page" in web.get("/status").body
        assert json.loads(web.get("/status.json").body) == {"error": "no_status_page"}
        channel = declare(sandbox, bot, "Anything sev3")
        ack = run(sandbox, bot, "public API", channel)
        assert "There is no public status page" in ack["text"]
    finally:
        bot.stop()


def test_the_update_form_offers_the_status_page_once_the_incident_is_on_it(bot, sandbox, web):
    incident = declare(sandbox, bot, "Search down sev2")
    alice = sandbox.as_user("alice")
    assert "is not on the public status page" in run(sandbox, bot, "status --public", incident)["text"]
    assert run(sandbox, bot, "status", incident) == {}
    view = sandbox.wait_for(alice.view, message="update modal should open")
    assert "public" not in [b.get("block_id") for b in view["blocks"]]
    alice.close_view()
    run(sandbox, bot, "public API", incident)
    assert run(sandbox, bot, "status --public", incident) == {}
    view = sandbox.wait_for(alice.view, message="update modal should open")
    public = next(b for b in view["blocks"] if b.get("block_id") == "public")
    assert [o["value"] for o in public["element"]["initial_options"]] == ["public"]
    alice.submit_view({"status": "identified", "message": "Search is down <for everyone>", "public": ["public"]})
    bot.settle()
    assert "Search is down <for everyone>" in last_text(sandbox, incident["id"])
    [shown] = json.loads(web.get("/status.json").body)["incidents"]
    assert [(u["status"], u["text"]) for u in shown["updates"]] == [("identified", "Search is down <for everyone>")]
