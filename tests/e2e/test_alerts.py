"""/il-alert, alert messages, paging through escalation policies, acknowledge, storms."""

import re
from datetime import timedelta

import pytest

from bot.alerts.model import AlertEvent
from harness import make_config
from harness.bots import BotThread
from sandbox import PLAIN
from tests.e2e.helpers import last_text, newest_incident_channel, pinned_text, texts
from tests.e2e.oncall_config import oncall_yaml


@pytest.fixture
def config_text(sandbox):
    sandbox.add_channel("ops", members=[sandbox.user("dave")["id"]])
    return oncall_yaml(sandbox, extra="""
  - {name: monitoring, type: webhook, escalation_policy: default, key_env: HOME}
""")


def dm(sandbox, user):
    channel = sandbox.dm_channel(sandbox.user(user)["id"])
    return sandbox.messages(channel) if channel else []


def raise_alert(sandbox, bot, user="alice", channel="general", **values):
    person = sandbox.as_user(user)
    assert person.command("/il-alert", "", channel=channel).ack == {}
    sandbox.wait_for(person.view, message="alert form never opened")
    result = person.submit_view({"summary": "Checkout 5xx above 5%", **values})
    assert result.ack == {}, result.errors
    bot.settle()
    return bot.query("SELECT max(id) FROM alerts")[0][0]


def test_a_listed_user_raises_from_any_channel_and_the_on_call_person_is_paged(bot, sandbox):
    alert_id = raise_alert(sandbox, bot, details="Started after deploy 512", priority="high")
    post = last_text(sandbox, "alerts")
    assert f"*Alert #{alert_id}: Checkout 5xx above 5%*" in post and "Started after deploy 512" in post
    assert "*Pending*: paging @alice (default, level 1)" in post
    assert "[Acknowledge] [Resolve] [Escalate] [Declare incident]" in post
    page = sandbox.render(dm(sandbox, "alice")[-1])
    assert "You are being paged" in page and f"Alert #{alert_id} (high): Checkout 5xx above 5%" in page
    assert "[Acknowledge] [Acknowledge with note] [Escalate] [Resolve]" in page
    reply = sandbox.ephemerals(sandbox.user("alice")["id"])[-1]
    assert f"Alert #{alert_id} raised" in sandbox.render(reply)


def test_anyone_else_only_in_a_slack_source_channel_with_its_policies_and_priority(bot, sandbox):
    refused = sandbox.as_user("dave").command("/il-alert", "", channel="general").ack["text"]
    assert "No Slack alert source is configured for #general" in refused and "alert_sources" in refused
    dave = sandbox.as_user("dave")
    dave.command("/il-alert", "", channel="ops").ack
    view = sandbox.wait_for(dave.view)
    assert not any(b.get("block_id") == "priority" for b in view["blocks"]), "priority is the source's"
    assert "*ops* source at high priority" in sandbox.render(view)
    dave.submit_view({"summary": "Disk full on db-3"})
    bot.settle()
    assert bot.query("SELECT source, priority, policy, created_by FROM alerts") == [
        ("ops", "high", "default", sandbox.user("dave")["id"])]


def test_acknowledge_from_the_channel_edits_every_message_and_a_second_click_says_who(bot, sandbox):
    raise_alert(sandbox, bot)
    message = sandbox.messages("alerts")[-1]
    sandbox.faults.latency(1.0, "chat.update")  # carol still sees the button when she clicks
    assert sandbox.as_user("bob").click("Acknowledge", message=message).ack == {}
    late = sandbox.as_user("carol").click("Acknowledge", message=message)
    assert "already acknowledged alert" in sandbox.render(late.wait_reply(contains="already acknowledged"))
    sandbox.faults.clear()
    bot.settle()
    post = last_text(sandbox, "alerts")
    assert "*Acknowledged* by @bob" in post and "[Acknowledge]" not in post and "[Resolve]" in post
    page = sandbox.render(dm(sandbox, "alice")[-1])
    assert "@bob acknowledged " in page and "[Acknowledge]" not in page
    # as a person reads it, in their zone: "acknowledged today at 05:16", not "at today 05:16"
    for seen in (sandbox.render(dm(sandbox, "alice")[-1], PLAIN, "UTC"), sandbox.render(sandbox.messages("alerts")[-1],
                                                                                        PLAIN, "UTC")):
        assert re.search(r"(@bob acknowledged|Acknowledged by @bob) today at \d\d:\d\d", seen), seen
    assert bot.query("SELECT status, accepted_by FROM alerts") == [("accepted", sandbox.user("bob")["id"])]
    bot.advance(timedelta(minutes=30))
    bot.settle()
    assert dm(sandbox, "carol") == [], "acknowledged: nobody else is paged"


def test_acknowledge_and_resolve_from_the_dm(bot, sandbox):
    raise_alert(sandbox, bot)
    alice = sandbox.as_user("alice")
    alice.click("Acknowledge with note", message=dm(sandbox, "alice")[-1]).ack
    sandbox.wait_for(alice.view)
    alice.submit_view({"note": "on it, ETA 10 min"})
    bot.settle()
    assert "*Acknowledged* by @alice" in last_text(sandbox, "alerts")
    assert "“on it, ETA 10 min”" in sandbox.render(dm(sandbox, "alice")[-1])
    alice.click("Resolve", message=sandbox.messages("alerts")[-1]).ack
    bot.settle()
    assert "*Resolved* by @alice" in last_text(sandbox, "alerts") and "[Resolve]" not in last_text(sandbox, "alerts")
    assert "Resolved by @alice" in sandbox.render(dm(sandbox, "alice")[-1])


def test_unanswered_escalates_to_level_2_repeats_then_says_nobody_answered(bot, sandbox):
    alert_id = raise_alert(sandbox, bot)
    assert dm(sandbox, "carol") == []
    bot.advance(timedelta(minutes=5, seconds=5))
    sandbox.wait_for(lambda: dm(sandbox, "carol"), message="level 2 not paged")
    bot.settle()
    assert "paging @carol (default, level 2)" in last_text(sandbox, "alerts")
    bot.advance(timedelta(minutes=5, seconds=5))  # repeat: level 1 again
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages WHERE round = 1") == [(1,)])
    bot.advance(timedelta(minutes=5, seconds=5))
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages WHERE round = 1") == [(2,)])
    bot.advance(timedelta(minutes=5, seconds=5))
    sandbox.wait_for(lambda: any("Nobody acknowledged *alert #" in t for t in texts(sandbox, "alerts")),
                     message="exhaustion not announced")
    bot.settle()
    assert "after every level of *default* and 1 repeat" in last_text(sandbox, "alerts")
    assert bot.query("SELECT state FROM escalations") == [("exhausted",)]
    assert len(dm(sandbox, "alice")) == 1 and len(dm(sandbox, "carol")) == 1, "repeats edit the same DM"
    assert "Nobody has acknowledged yet" in sandbox.render(dm(sandbox, "alice")[-1])
    sandbox.as_user("carol").click("Acknowledge", message=dm(sandbox, "carol")[-1]).ack
    bot.settle()
    assert bot.query("SELECT status FROM alerts WHERE id = ?", (alert_id,)) == [("accepted",)]


def test_the_escalate_button_pages_the_next_level_now(bot, sandbox):
    raise_alert(sandbox, bot)
    sandbox.as_user("alice").click("Escalate", message=sandbox.messages("alerts")[-1]).ack
    sandbox.wait_for(lambda: dm(sandbox, "carol"), message="escalate did not page level 2")


def test_a_restart_in_the_middle_of_an_escalation_carries_on(bot, sandbox, database_url):
    raise_alert(sandbox, bot)
    clock = bot.clock
    bot.stop()
    bot.advance(timedelta(minutes=6))  # time passes while warroom is down
    again = BotThread(sandbox, make_config(oncall_yaml(sandbox, extra="""
  - {name: monitoring, type: webhook, escalation_policy: default, key_env: HOME}
""")), database_url, clock=clock).start()
    try:
        sandbox.wait_for(lambda: dm(sandbox, "carol"), timeout=10, message="level 2 not paged after restart")
        assert again.query("SELECT level FROM escalations") == [(1,)]
    finally:
        again.stop()
        bot.thread = again.thread  # the fixture's stop() must not stop twice
        bot.stop = lambda: None


def test_declare_incident_from_an_alert_links_them(bot, sandbox):
    alert_id = raise_alert(sandbox, bot)
    alice = sandbox.as_user("alice")
    alice.click("Declare incident", message=sandbox.messages("alerts")[-1]).ack
    view = sandbox.wait_for(alice.view)
    assert next(b for b in view["blocks"] if b.get("block_id") == "title")["element"]["initial_value"] == \
        "Checkout 5xx above 5%"
    alice.submit_view({})
    bot.settle()
    channel = newest_incident_channel(sandbox)
    assert bot.query("SELECT incident_id FROM alerts") == [(1,)]
    assert f"Declared from alert #{alert_id}: Checkout 5xx above 5%" in pinned_text(sandbox, channel["id"])
    assert f"Incident #1 declared: #{channel['name']}" in last_text(sandbox, "alerts")
    assert "[Declare incident]" not in last_text(sandbox, "alerts")


def test_incident_escalate_to_a_schedule_and_to_a_policy(bot, sandbox):
    sandbox.as_user("bob").command("/incident", "declare Queue stuck sev2", channel="general").ack
    bot.settle()
    channel = newest_incident_channel(sandbox)
    bob = sandbox.as_user("bob")
    bob.command("/incident", "escalate primary", channel=channel["id"]).ack
    bot.settle()
    assert "Incident #1 (SEV2): Queue stuck" in sandbox.render(dm(sandbox, "alice")[-1])
    bob.command("/incident", "escalate default", channel=channel["id"]).ack
    bot.settle()
    assert "paged the *default* policy" in "\n".join(texts(sandbox, channel["id"]))
    assert "through the *default* escalation policy" in sandbox.render(dm(sandbox, "alice")[-1])
    text = bob.command("/incident", "escalate nobody-here", channel=channel["id"]).ack["text"]
    assert "I can't page `nobody-here`" in text and "`primary`" in text and "`default`" in text


def test_a_storm_is_summarised_and_never_rate_limited(bot, sandbox):
    sandbox.strict_rate_limits = True
    source = bot.bot.config.alert_source("monitoring")
    mark = sandbox.mark()
    for batch in range(4):
        events = [AlertEvent(f"Host {batch}-{n} down", dedup_key=f"host-{batch}-{n}") for n in range(25)]
        events += [AlertEvent("Flapping check", dedup_key="flap")] * 10  # one alert, fired again and again
        bot.run(lambda: bot.bot.alerts.receive(source, events))
    bot.settle(timeout=60)
    assert bot.query("SELECT count(*), sum(event_count) FROM alerts") == [(101, 140)]
    posts = [c for c in sandbox.calls_since(mark) if c.method == "chat.postMessage"
             and c.params.get("channel") == sandbox.channel("alerts")["id"]]
    assert 1 <= len(posts) <= 6, f"{len(posts)} posts for 101 alerts"
    digest = "\n".join(texts(sandbox, "alerts"))
    assert "more" in digest and "alerts* from monitoring" in digest
    assert sandbox.rate_limited_calls == 0
    assert len(dm(sandbox, "alice")) == 1, "one DM gathers the storm's pages"
    assert "101 alerts from monitoring need you" in sandbox.render(dm(sandbox, "alice")[-1])
    sandbox.as_user("alice").click("Acknowledge all", message=dm(sandbox, "alice")[-1]).ack
    bot.settle(timeout=60)
    assert bot.query("SELECT status, count(*) FROM alerts GROUP BY status") == [("accepted", 101)]
    assert sandbox.rate_limited_calls == 0


def test_resolving_an_incident_ends_its_pages(bot, sandbox):
    sandbox.as_user("bob").command("/incident", "declare Cache down sev2", channel="general").ack
    bot.settle()
    channel = newest_incident_channel(sandbox)
    sandbox.as_user("bob").command("/incident", "escalate default", channel=channel["id"]).ack
    bot.settle()
    sandbox.as_user("bob").command("/incident", "resolve cache restarted", channel=channel["id"]).ack
    bot.settle()
    assert bot.query("SELECT state FROM escalations") == [("resolved",)]
    page = sandbox.render(dm(sandbox, "alice")[-1])
    assert "Resolved by @bob" in page and "[Acknowledge]" not in page
    bot.advance(timedelta(minutes=30))
    bot.settle()
    assert dm(sandbox, "carol") == [], "nobody is paged for a resolved incident"


def test_a_double_click_on_escalate_moves_one_level(bot, sandbox):
    raise_alert(sandbox, bot)
    message = sandbox.messages("alerts")[-1]
    sandbox.faults.latency(1.0, "chat.update")  # the second click lands on the not-yet-edited button
    sandbox.as_user("alice").click("Escalate", message=message).ack
    second = sandbox.as_user("bob").click("Escalate", message=message)
    assert "already escalated" in sandbox.render(second.wait_reply(contains="already escalated"))
    sandbox.faults.clear()
    bot.settle()
    assert bot.query("SELECT level, round FROM escalations") == [(1, 0)]


def test_an_alert_declared_twice_gives_one_incident(bot, sandbox):
    raise_alert(sandbox, bot, details="p99 > 5s on <checkout>")
    message = sandbox.messages("alerts")[-1]
    alice, bob = sandbox.as_user("alice"), sandbox.as_user("bob")
    alice.click("Declare incident", message=message).ack
    bob.click("Declare incident", message=message).ack
    alice_view = sandbox.wait_for(alice.view)
    sandbox.wait_for(bob.view)
    description = next(b for b in alice_view["blocks"] if b.get("block_id") == "description")
    assert description["element"]["initial_value"] == "p99 > 5s on <checkout>", "pre-filled as plain text"
    assert alice.submit_view({}).ack == {}
    refused = bob.submit_view({})
    assert "already declared from alert" in refused.errors["title"]
    bot.settle()
    assert bot.query("SELECT count(*) FROM incidents") == [(1,)]
    assert bot.query("SELECT description FROM incidents") == [("p99 &gt; 5s on &lt;checkout&gt;",)]
    assert "p99 > 5s on <checkout>" in pinned_text(sandbox, newest_incident_channel(sandbox)["id"])


def test_after_an_automatic_escalation_every_page_says_what_happened(bot, sandbox):
    """Issue 8 bug 8: level 1's DM stops promising the next level; level 2's DM does not name the
    person who raised the alert as the one who paged; times are Slack date tokens, one zone for all."""
    import re

    raise_alert(sandbox, bot, user="bob", priority="high")
    first = sandbox.render(dm(sandbox, "alice")[-1])
    assert "Paged by @bob" in first and "the next level is paged at" in first
    bot.advance(timedelta(minutes=5, seconds=5))
    sandbox.wait_for(lambda: dm(sandbox, "carol"), message="level 2 not paged")
    bot.settle()
    level1 = sandbox.render(dm(sandbox, "alice")[-1])
    assert "the next level is paged at" not in level1
    assert "Nobody acknowledged in time, so level 2 was paged at" in level1 and "You can still acknowledge" in level1
    level2 = sandbox.render(dm(sandbox, "carol")[-1])
    assert "Escalated to you automatically" in level2 and "@bob" not in level2
    for message in (dm(sandbox, "alice")[-1], dm(sandbox, "carol")[-1]):
        raw = str(message["blocks"])
        bare = re.sub(r"<!date\^[^>]*>", "", raw)
        assert not re.search(r"\d{2}:\d{2} (UTC|GMT)", bare), "a time outside Slack's date token"


def test_only_listed_users_and_the_people_paged_answer_an_alert(bot, sandbox):
    """Issue 7 item 8: someone who is neither listed nor paged is refused, and nothing changes."""
    raise_alert(sandbox, bot, user="alice", priority="high")
    sandbox.as_user("dave").join("alerts")
    post = sandbox.messages("alerts")[-1]
    for label in ("Acknowledge", "Resolve", "Escalate"):
        click = sandbox.as_user("dave").click(label, message=post)
        refusal = click.wait_reply(contains="is answered by the people paged for it")
        assert "you are neither" in sandbox.render(refusal)
    assert bot.query("SELECT status, level FROM alerts JOIN escalations ON subject = 'alert:' || alerts.id") == [
        ("pending", 0)]
    sandbox.as_user("carol").join("alerts")
    sandbox.as_user("carol").click("Acknowledge", message=post).ack  # carol is listed
    sandbox.wait_for(lambda: bot.query("SELECT status, accepted_by FROM alerts") == [
        ("accepted", sandbox.user("carol")["id"])])


def test_a_team_may_let_anyone_answer_alerts(sandbox, tmp_path):
    config = make_config(oncall_yaml(sandbox) + "who_may_answer_alerts: anyone\n")
    bot = BotThread(sandbox, config, str(tmp_path / "open.db")).start()
    try:
        raise_alert(sandbox, bot, user="alice", priority="high")
        sandbox.as_user("dave").join("alerts")
        sandbox.as_user("dave").click("Resolve", message=sandbox.messages("alerts")[-1]).ack
        sandbox.wait_for(lambda: bot.query("SELECT status, resolved_by FROM alerts") == [
            ("resolved", sandbox.user("dave")["id"])])
    finally:
        bot.stop()
