"""The timeline from chat: events added at the time they happened, listed with ids, edited, deleted and
marked key; the wrap-up shows the edited timeline. One story through the sandbox, plus bad input."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.helpers import declare
from tests.web.client import WebClient

NEW_YORK = ZoneInfo("America/New_York")   # bob's zone in the sandbox


def typed(bot, minutes_ago: float) -> tuple[str, float]:
    """How bob types a moment ``minutes_ago`` in his zone (``HH:MM``, or ``yesterday HH:MM`` just after
    midnight), and the instant it names (whole minutes)."""
    now = datetime.fromtimestamp(bot.clock.time(), NEW_YORK)
    moment = (now - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
    day = "" if moment.date() == now.date() else "yesterday "
    return f"{day}{moment:%H:%M}", moment.timestamp()


def test_a_timeline_is_kept_from_chat_and_the_wrapup_shows_it_edited(bot, sandbox):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    bob = sandbox.as_user("bob")
    bob.join(channel)
    assert bot.bot.deps.timezone_of(bob.id) == "America/New_York"

    def say(text: str) -> str:
        return sandbox.render(bob.command("/incident", text, channel=channel).ack, tz="America/New_York")

    when, at = typed(bot, 30)
    added = say(f"event {when} Customer reported 502s")
    [(first, stored_at, kind)] = bot.query("SELECT id, at, kind FROM timeline WHERE text = 'Customer reported 502s'")
    assert (stored_at, kind) == (at, "event")
    assert f"Added `e{first}` to the timeline at" in added and f"{datetime.fromtimestamp(at, NEW_YORK):%H:%M}" in added
    when, _ = typed(bot, 20)
    say(f"event {when} Wrong channel, ignore")
    [(second,)] = bot.query("SELECT id FROM timeline WHERE text = 'Wrong channel, ignore'")
    when, _ = typed(bot, 10)
    say(f"event {when} Rollback of build 512 started")
    [(third,)] = bot.query("SELECT id FROM timeline WHERE text = 'Rollback of build 512 started'")

    listing = say("timeline")
    for expected in (f"e{first}", f"e{second}", f"e{third}", "Customer reported 502s (added by @bob)",
                     "Declared as SEV2 by @alice", "times in your time zone (America/New_York)"):
        assert expected in listing, expected
    assert listing.index("Customer reported 502s") < listing.index("Declared as SEV2"), "in the order it happened"

    new_when, new_at = typed(bot, 35)
    edited = say(f"event edit e{first} {new_when} Customer reported 502s on checkout")
    assert f"Event `e{first}` now reads" in edited and "Customer reported 502s on checkout" in edited
    assert "Deleted event" in say(f"event delete e{second}")
    assert "is now a key event" in say(f"key e{first}")
    assert "is now a key event" in say(f"key {third}")
    assert "no longer a key event" in say(f"unkey e{third}")
    assert "already a key event" in say(f"key e{first}")

    listing = say("timeline")
    assert "Wrong channel" not in listing and "Customer reported 502s on checkout (added by @bob) _(edited)_" in listing
    assert f"`e{first}` " in listing and ":pushpin: Customer reported 502s on checkout" in listing
    assert f"`e{third}` {datetime.fromtimestamp(at + 1200, NEW_YORK):%Y-%m-%d %H:%M %Z} Rollback" in listing
    assert bot.query("SELECT at, is_key, edited_at IS NOT NULL FROM timeline WHERE id = ?", (first,)) == \
        [(new_at, 1, True)]
    assert bot.query("SELECT event_id, action, actor, old_text FROM timeline_audit ORDER BY id") == [
        (first, "added", bob.id, None), (second, "added", bob.id, None), (third, "added", bob.id, None),
        (first, "edited", bob.id, "Customer reported 502s"), (second, "deleted", bob.id, "Wrong channel, ignore"),
        (first, "keyed", bob.id, None), (third, "keyed", bob.id, None), (third, "unkeyed", bob.id, None)]

    # a long timeline comes in pages, each within Slack's limits
    for n in range(40):   # sent without waiting for each ack: on PostgreSQL a crowd, handled after their acks
        bob.command("/incident", f"event {typed(bot, 5)[0]} Retry storm {n}", channel=channel)
    listed = bob.command("/incident", "timeline", channel=channel)
    answer = listed.ack or listed.wait_reply("(events 1–40 of 45)", timeout=15)   # after the 40, in order
    assert len(answer["blocks"]) <= 50 and len(answer["text"]) < 40_000
    page = sandbox.render(answer)
    assert "(events 1–40 of 45)" in page and "More: `/incident timeline 2` (2 pages)" in page
    assert "Retry storm 37" in page and "Retry storm 38" not in page
    rest = say("timeline 2")
    assert "Retry storm 39" in rest and "(events 41–45 of 45)" in rest and "Declared as SEV2" in rest

    assert sandbox.as_user("alice").command("/incident", "resolve Rolled back build 512", channel=channel).ack == {}
    bot.settle()
    # the postmortem file follows the wrap-up in the channel (no postmortems channel is configured)
    wrapup = sandbox.render(next(m for m in reversed(sandbox.messages(channel)) if not m.get("files")))
    assert "Incident #1 resolved" in wrapup
    assert "Customer reported 502s on checkout (added by @bob)" in wrapup
    assert "Wrong channel" not in wrapup and "Rollback of build 512" not in wrapup, "deleted, and not key"
    assert wrapup.index("Customer reported 502s on checkout") < wrapup.index("Declared as SEV2")


def test_bad_times_and_ids_get_a_clear_answer(bot, sandbox):
    channel = declare(sandbox, bot, "Search is slow sev3")["id"]
    bob = sandbox.as_user("bob")
    bob.join(channel)

    def say(text: str) -> str:
        return sandbox.render(bob.command("/incident", text, channel=channel).ack, tz="America/New_York")

    now = datetime.fromtimestamp(bot.clock.time(), NEW_YORK)
    later = now + timedelta(minutes=30)
    if later.date() == now.date():
        assert "is in the future" in say(f"event {later:%H:%M} Not yet")
    assert "is in the future" in say(f"event {(now + timedelta(days=1)):%Y-%m-%d} 00:00 Tomorrow")
    assert "more than a week before incident #1 was declared" in say(
        f"event {(now - timedelta(days=9)):%Y-%m-%d} 10:00 Long ago")
    assert "`25:99` is not a time I can read" in say("event 25:99 Customer reported 502s")
    assert "`9999-12-31 23:59` is not a time I can read" in say("event 9999-12-31 23:59 Year 10000 in UTC")
    assert "Write the time first" in say("event Customer reported 502s")
    assert "Incident #1 has no event `e99999`" in say("key e99999")
    assert "`five` is not an event id" in say("event delete five")
    [(declared,)] = bot.query("SELECT id FROM timeline WHERE kind = 'declared'")
    assert "recorded by warroom itself" in say(f"event edit e{declared} Something else")
    assert "Write `/incident timeline` for the events" in say("timeline ²"), "a digit int() cannot read"
    outside = sandbox.render(bob.command("/incident", "timeline", channel="general").ack)
    assert "works inside an incident's channel" in outside

    # the web page's forms left empty: said so in words, not as an empty `` code span the page garbles
    web = WebClient(bot)
    web.sign_in(bob.id)
    csrf = web.get("/incidents/1").csrf()
    no_time = web.post("/incidents/1/event", {"csrf": csrf, "when": "", "text": "Customer reported 502s"})
    assert no_time.status == 400 and "Say when it happened. Write it in your time zone as <code>10:02</code>" in no_time.body
    no_id = web.post("/incidents/1/event_delete", {"csrf": csrf, "event": ""})
    assert no_id.status == 400 and "Give the event's id. Ids look like <code>e42</code>" in no_id.body
    assert bot.query("SELECT count(*) FROM timeline WHERE kind = 'event'") == [(0,)]
    assert bot.query("SELECT count(*) FROM timeline_audit") == [(0,)]
