"""Keeping an incident current from its channel: status, severity, roles, notes, links, follow-ups."""

import pytest

from tests.e2e.helpers import declare, last_text, pinned_text, texts


@pytest.fixture
def config_text(sandbox):
    managers = sandbox.add_usergroup("incident-managers", users=[sandbox.user("carol")["id"]])
    sandbox.add_channel("status-page", members=[sandbox.user("alice")["id"]])
    return f"channels: {{comms: status-page}}\nincident_managers: {managers}\n"


@pytest.fixture
def incident(bot, sandbox):
    return declare(sandbox, bot, "Checkout errors sev2")


def run(sandbox, bot, user, text, channel):
    result = sandbox.as_user(user).command("/incident", text, channel=channel["id"])
    ack = result.ack
    bot.settle()
    return result, ack


def test_status_update_posts_and_refreshes_every_surface(bot, sandbox, incident):
    result, ack = run(sandbox, bot, "alice", "status identified Bad deploy of payments, rolling back", incident)
    assert ack == {} and not result.failed
    post = last_text(sandbox, incident["id"])
    assert "*Identified* (was investigating)" in post and "Bad deploy of payments, rolling back" in post
    assert "update from @alice" in post and "Next update due by" in post
    assert "Identified" in pinned_text(sandbox, incident["id"])
    assert sandbox.channel(incident["id"])["topic"]["value"].startswith("SEV2 | Identified |")
    assert "Status: *Identified*" in last_text(sandbox, "incidents")
    assert len(sandbox.messages("incidents")) == 1, "the announcement is edited, never re-posted"
    assert bot.query("SELECT kind, text, is_key FROM timeline WHERE kind = 'update'") == [
        ("update", "Bad deploy of payments, rolling back", 1)]


def test_status_without_a_new_status_keeps_it_and_can_go_to_comms(bot, sandbox, incident):
    run(sandbox, bot, "alice", "status Still digging into the logs --comms", incident)
    assert "*Investigating* · update from @alice" in last_text(sandbox, incident["id"])
    comms = last_text(sandbox, "status-page")
    assert "Incident #1 (SEV2): Checkout errors" in comms and "Still digging into the logs" in comms
    assert "--comms" not in comms


def test_ten_quick_updates_edit_the_pinned_status_far_fewer_times(bot, sandbox, incident):
    bot.bot.effects.settle = 1.0  # production's settle time
    mark = sandbox.mark()
    alice = sandbox.as_user("alice")
    for n in range(10):
        assert alice.command("/incident", f"status update number {n}", channel=incident["id"]).ack == {}
    bot.settle()
    updates = [c for c in sandbox.calls_since(mark) if c.method == "chat.update"]
    posts = [c for c in sandbox.calls_since(mark) if c.method == "chat.postMessage"]
    assert len(posts) == 10
    assert len(updates) <= 4, f"{len(updates)} edits for 10 updates"  # pinned + announcement, coalesced
    assert "update number 9" in texts(sandbox, incident["id"])[-1]


def test_status_rejects_resolved_and_empty_with_help(bot, sandbox, incident):
    _, ack = run(sandbox, bot, "alice", "status resolved all good", incident)
    assert "use `/incident resolve [summary]`" in ack["text"]
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "status", channel=incident["id"]).ack == {}
    view = sandbox.wait_for(alice.view, message="update modal should open")
    assert view["callback_id"] == "incident_update"
    alice.submit_view({"status": "monitoring", "message": "Fix deployed <watching>", "comms": ["comms"]})
    bot.settle()
    assert "Fix deployed <watching>" in last_text(sandbox, incident["id"])
    assert "Fix deployed <watching>" in last_text(sandbox, "status-page")


def test_commands_outside_an_incident_channel_say_where_to_go(bot, sandbox, incident):
    result = sandbox.as_user("alice").command("/incident", "status identified x", channel="general")
    text = result.ack["text"]
    assert "works inside an incident's channel" in text and f"<#{incident['id']}>" in text


def test_unknown_subcommand_shows_help(bot, sandbox):
    text = sandbox.as_user("alice").command("/incident", "frobnicate", channel="general").ack["text"]
    assert "I don't know `/incident frobnicate`" in text and "/incident declare" in text


def test_only_the_commander_or_a_manager_changes_severity(bot, sandbox, incident):
    sandbox.as_user("bob").join(incident["id"])
    _, ack = run(sandbox, bot, "bob", "severity sev1", incident)
    assert "Only the commander (<@" in ack["text"] and "incident managers group" in ack["text"]
    assert bot.query("SELECT severity FROM incidents") == [("SEV2",)]
    _, ack = run(sandbox, bot, "alice", "severity sev9", incident)
    assert "`sev9` is not a severity" in ack["text"] and "`sev1`" in ack["text"]
    _, ack = run(sandbox, bot, "alice", "severity sev1", incident)
    assert ack == {}
    assert "changed the severity from *SEV2* to *SEV1*" in last_text(sandbox, incident["id"])
    assert sandbox.channel(incident["id"])["topic"]["value"].startswith("SEV1 |")
    assert "SEV1" in pinned_text(sandbox, incident["id"]) and "SEV1 incident declared" in last_text(sandbox, "incidents")


def test_incident_managers_group_members_may_act(bot, sandbox, incident):
    sandbox.as_user("carol").join(incident["id"])
    _, ack = run(sandbox, bot, "carol", "severity sev1", incident)
    assert ack == {} and bot.query("SELECT severity FROM incidents") == [("SEV1",)]


def test_commander_handover_and_roles(bot, sandbox, incident):
    bob = sandbox.user("bob")["id"]
    _, ack = run(sandbox, bot, "alice", "commander @bob", incident)
    assert ack == {}
    assert bob in sandbox.channel(incident["id"])["members"]
    assert "@bob is now the incident commander (taking over from @alice)" in last_text(sandbox, incident["id"])
    assert "Commander: @bob" in sandbox.channel(incident["id"])["topic"]["value"]
    _, ack = run(sandbox, bot, "alice", "severity sev1", incident)
    assert "Only the commander" in ack["text"], "alice handed over; she is no longer commander"
    _, ack = run(sandbox, bot, "bob", "role communications @carol", incident)
    assert ack == {} and "@carol is now the communications lead" in last_text(sandbox, incident["id"])
    assert "Communications lead @carol" in pinned_text(sandbox, incident["id"])
    _, ack = run(sandbox, bot, "bob", "role janitor @carol", incident)
    assert "`janitor` is not a role" in ack["text"] and "scribe" in ack["text"]
    _, ack = run(sandbox, bot, "bob", "role scribe carol", incident)
    assert "Write `/incident role" in ack["text"]


def test_notes_links_and_followups(bot, sandbox, incident):
    _, ack = run(sandbox, bot, "alice", "note Customer @bob reported it first", incident)
    assert ack == {} and "*Note* from @alice: Customer @bob reported it first" in last_text(sandbox, incident["id"])
    _, ack = run(sandbox, bot, "alice", "link https://grafana.example/d/checkout Checkout dashboard", incident)
    assert ack == {}
    bookmarks = sandbox.channel(incident["id"])["bookmarks"]
    assert [(b["title"], b["link"]) for b in bookmarks] == [("Checkout dashboard", "https://grafana.example/d/checkout")]
    assert "Checkout dashboard" in pinned_text(sandbox, incident["id"])
    _, ack = run(sandbox, bot, "alice", "link ftp://nope", incident)
    assert "Write `/incident link" in ack["text"]
    _, ack = run(sandbox, bot, "alice", "followup Add an alert on checkout 5xx @carol", incident)
    assert ack == {} and "Follow-up added by @alice: Add an alert on checkout 5xx (owner: @carol)" in last_text(
        sandbox, incident["id"])
    listing = sandbox.as_user("alice").command("/incident", "followups", channel=incident["id"])
    message = listing.wait_reply(contains="Follow-ups")
    assert "Add an alert on checkout 5xx" in sandbox.render(message)
    sandbox.as_user("alice").click("Mark done", message=message).ack
    sandbox.wait_for(lambda: bot.query("SELECT done_at IS NOT NULL FROM followups") == [(1,)])


def test_panel_buttons_open_the_right_forms(bot, sandbox, incident):
    alice = sandbox.as_user("alice")
    panel = alice.command("/incident", "", channel=incident["id"]).wait_reply(contains="What do you want to do")
    alice.click("Add note", message=panel).ack
    view = sandbox.wait_for(alice.view)
    assert view["callback_id"] == "incident_note"
    alice.submit_view({"note": "Rolled back build 512 & cleared caches"})
    bot.settle()
    assert "Rolled back build 512 &amp; cleared caches" in sandbox.messages(incident["id"])[-1]["text"]


def test_list_show_and_help_work_anywhere(bot, sandbox, incident):
    alice = sandbox.as_user("alice")
    listing = alice.command("/incident", "list", channel="general").ack["text"]
    assert "*#1* SEV2 · Investigating · Checkout errors" in listing
    shown = alice.command("/incident", "show 1", channel="general").ack
    assert "Incident #1: Checkout errors" in sandbox.render(shown)
    assert "There is no incident #7" in alice.command("/incident", "show 7", channel="general").ack["text"]
    assert "Write `/incident show" in alice.command("/incident", "show x", channel="general").ack["text"]
    assert "Write `/incident show" in alice.command("/incident", "show ²", channel="general").ack["text"]
    helped = alice.command("/incident", "help", channel="general").ack["text"]
    assert "/incident escalate" in helped
    lines = helped.splitlines()   # each command on a line of its own (no types configured here)
    assert [n for n in lines if "•" in n] and all(n.count("•") == 1 and n.startswith("• `/incident") for n in lines
                                                  if "•" in n)
    assert "--type" not in helped


@pytest.mark.parametrize("button,command", [("Change severity", "severity"), ("Resolve", "resolve")])
def test_severity_and_resolve_forms_open_only_for_the_commander_and_managers(bot, sandbox, incident, button, command):
    """The refusal comes before the form, not after someone has filled it in."""
    status = next(m for m in sandbox.messages(incident["id"]) if "Post update" in sandbox.render(m))
    bob = sandbox.as_user("bob")
    bob.join(incident["id"])
    sandbox.wait_for(lambda: "joined" in [k for (k,) in bot.query("SELECT kind FROM timeline")])
    refusal = bob.click(button, message=status).wait_reply(contains="Only the commander")
    assert "Only the commander (@alice) or a member of the incident managers group can" in sandbox.render(refusal)
    result, ack = run(sandbox, bot, "bob", command, incident)
    assert "Only the commander" in ack["text"]
    assert bob.view() is None, "no form opened for bob"
    sandbox.as_user("carol").join(incident["id"])
    bot.settle()
    for user in ("alice", "carol"):                                # the commander, an incident manager
        person = sandbox.as_user(user)
        person.click(button, message=status)
        view = sandbox.wait_for(person.view, message=f"{user} got no form")
        assert view["callback_id"] in ("incident_severity", "incident_resolve")
        person.close_view()
