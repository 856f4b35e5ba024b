"""Two replicas of the unmodified bot (real ``warroom run`` processes) on one PostgreSQL schema, with
faults between them: Slack handing the same event to both at once, a sender frozen past its lease
and then resumed, PostgreSQL going away under load. What is checked is what people see in the
sandbox and what the database holds."""

from __future__ import annotations

import re
import time

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import pinned
from tests.e2e.oncall_config import team_with_storm_source


@pytest.fixture
def database(postgres_url):
    return postgres_url


@pytest.fixture
def replicas(sandbox, tmp_path, database):
    made = [BotProcess(sandbox, tmp_path, database=database, name=name) for name in ("a", "b")]
    try:
        for replica in made:
            replica.start()
        yield made
    finally:
        for replica in made:
            replica.stop()


def incident_channels(sandbox) -> list[dict]:
    return [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def settled(database: str) -> bool:
    return query(database, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


def unfinished(database: str) -> list[tuple]:
    """What is still pending, to say why a test waited in vain."""
    return query(database, "SELECT id, kind, lane, attempts, claimed_by, lease_until, due_at, depends_on, last_error, "
                           "extract(epoch FROM clock_timestamp()) FROM outbox WHERE state = 'pending' ORDER BY id")


def declare_and_wait(sandbox, database: str, title: str, user: str = "alice") -> dict:
    """Declare from #general and wait until its channel, pinned status and every effect are done."""
    result = sandbox.as_user(user).command("/incident", f"declare {title} sev2", channel="general")
    assert result.ack and result.ack.get("text", "").startswith(":hourglass_flowing_sand: Declaring"), result.ack
    sandbox.wait_for(lambda: [c for c in incident_channels(sandbox) if pinned(sandbox, c["id"])],
                     timeout=30, message="incident channel never set up")
    sandbox.wait_for(lambda: settled(database), timeout=30, message="declare effects never finished")
    (channel_id,) = [r[0] for r in query(database, "SELECT channel_id FROM incidents WHERE title = ?", (title,))]
    return sandbox.channel(channel_id)


# 1. Slack retries an unacked event on any link: the same event on both replicas at once ---------------

def both_links(sandbox) -> tuple[int, int]:
    ids = sorted(link["id"] for link in sandbox.links)
    assert len(ids) == 2, sandbox.links
    return ids[0], ids[1]


def deliveries(sandbox, mark: int, event_type: str) -> list:
    return [e for e in sandbox.envelopes_since(mark) if e.type == "events_api"
            and e.payload.get("event", {}).get("type") == event_type]


def on_both_links_and_acked(sandbox, mark: int, event_type: str) -> list:
    """The event went out twice at the same time (the original and a "timeout" redelivery with the
    same event_id), one on each replica's link, and both were acked."""
    sent = deliveries(sandbox, mark, event_type)
    assert len(sent) == 2, [(e.payload.get("event", {}).get("type"), e.link_id) for e in sandbox.envelopes_since(mark)]
    assert {e.link_id for e in sent} == set(both_links(sandbox)), [e.link_id for e in sent]
    assert len({e.payload["event_id"] for e in sent}) == 1
    assert sorted(e.retry_attempt for e in sent) == [0, 1]
    sandbox.wait_for(lambda: all(e.acked_at is not None for e in sent), timeout=10,
                     message=f"{event_type} not acked on both links")
    return sent


def test_the_same_event_on_both_replicas_at_once_is_recorded_once(sandbox, replicas, database):
    alice, bob = sandbox.as_user("alice"), sandbox.as_user("bob")
    channel = declare_and_wait(sandbox, database, "Twice delivered")
    link_a, link_b = both_links(sandbox)

    def events_once(event_type: str, act) -> None:
        mark = sandbox.mark()
        sandbox.route_next(link_a, link_b, envelope_type="events_api")
        act()
        sandbox.wait_for(lambda: len(deliveries(sandbox, mark, event_type)) >= 2, timeout=10,
                         message=f"{event_type} never delivered twice")
        on_both_links_and_acked(sandbox, mark, event_type)

    events_once("member_joined_channel", lambda: bob.join(channel["id"]))
    said: list[str] = []
    events_once("message", lambda: said.append(alice.post(channel["id"], "the primary is refusing writes")))
    events_once("reaction_added", lambda: alice.react(channel["id"], said[0], "pushpin"))

    incident_id = query(database, "SELECT id FROM incidents WHERE title = 'Twice delivered'")[0][0]

    def timeline(kind: str, actor: str) -> list[tuple]:
        return query(database, "SELECT text, message_ts, is_key FROM timeline "
                               "WHERE incident_id = ? AND kind = ? AND actor = ? ORDER BY id", (incident_id, kind, actor))

    # the database: one row per event, whichever replica got there first
    sandbox.wait_for(lambda: timeline("message", alice.id) and timeline("message", alice.id)[0][2], timeout=10,
                     message="the pinned message never became a key event")
    assert len(timeline("joined", bob.id)) == 1, timeline("joined", bob.id)
    assert [(text, ts) for text, ts, _ in timeline("message", alice.id)] == [("the primary is refusing writes", said[0])]

    # what people see: the wrap-up lists the pinned message once
    resolved = alice.command("/incident", "resolve The primary is back", channel=channel["id"])
    assert resolved.ack is not None, "resolve was not acked"
    wrapups = sandbox.wait_for(
        lambda: [m for m in sandbox.messages(channel["id"])
                 if m.get("user") == sandbox.bot_user_id and "resolved" in sandbox.render(m)
                 and "Key events" in sandbox.render(m)],
        timeout=20, message="no wrap-up posted")
    assert len(wrapups) == 1
    assert sandbox.render(wrapups[0]).count("the primary is refusing writes") == 1, sandbox.render(wrapups[0])


# 2. A sender frozen past its lease, then resumed, does not finish what another replica took over -----

NOTE = "rolled back the deploy at 14:02"
POST_LATENCY = 2.0      # the frozen sender's chat.postMessage is in flight when it stops
CHECK_LATENCY = 1.5     # the taker's look for an earlier post: long enough to see it hold the claim


def sender_pid(database: str) -> int | None:
    """The sender lease names its holder ``host:pid:random`` (bot/sender.py replica_id)."""
    rows = query(database, "SELECT holder FROM leases WHERE name = 'sender' AND expires_at >= "
                           "extract(epoch FROM clock_timestamp())")
    return int(rows[0][0].split(":")[1]) if rows else None


def note_effect(database: str) -> list[tuple]:
    return query(database, "SELECT id, state, claimed_by, attempts, result FROM outbox "
                           "WHERE kind = 'message.post' AND payload LIKE ?", (f"%{NOTE}%",))


def test_a_frozen_sender_resumed_after_its_lease_does_not_finish_work_taken_over(sandbox, replicas, database):
    import json
    import os
    import signal

    channel = declare_and_wait(sandbox, database, "Frozen sender")
    by_pid = {r.process.pid: r for r in replicas}
    sandbox.wait_for(lambda: sender_pid(database) in by_pid, timeout=15, message="no replica holds the sender lease")
    frozen = by_pid[sender_pid(database)]
    (taker,) = [r for r in replicas if r is not frozen]

    sandbox.faults.latency(POST_LATENCY, "chat.postMessage")
    mark = sandbox.mark()
    assert sandbox.as_user("alice").command("/incident", f"note {NOTE}", channel=channel["id"]).ack == {}

    def posting_note() -> list:
        return [c for c in sandbox.calls_since(mark) if c.method == "chat.postMessage" and NOTE in json.dumps(c.params)]

    in_flight = sandbox.wait_for(lambda: [c for c in posting_note() if c.http_status == 0], timeout=15,
                                 message="the note's post never started")[0]
    os.kill(frozen.process.pid, signal.SIGSTOP)
    try:
        sandbox.faults.clear()
        sandbox.faults.latency(CHECK_LATENCY, "conversations.history")
        ((effect_id, state, claimed_by, attempts, _),) = note_effect(database)
        assert (state, claimed_by.split(":")[1], attempts) == ("pending", str(frozen.process.pid), 1)
        # Slack does what it was asked while the caller is frozen: the post is made, its answer waits
        sandbox.wait_for(lambda: in_flight.http_status == 200, timeout=POST_LATENCY + 5, message="post never made")
        # the frozen replica's leases run out; the other takes the sender lease, then the effect (a second
        # attempt, which looks for the first one's post before posting)
        sandbox.wait_for(lambda: sender_pid(database) == taker.process.pid, timeout=20,
                         message="the other replica never took the sender lease")
        sandbox.wait_for(lambda: (note_effect(database)[0][2] or "").split(":")[1:2] == [str(taker.process.pid)],
                         timeout=20, message="the other replica never claimed the note's post")
        assert note_effect(database)[0][3] == 2
        sandbox.wait_for(lambda: note_effect(database)[0][1] == "done", timeout=20,
                         message="the other replica never finished the note's post")
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)
    sandbox.faults.clear()

    # the resumed replica learns its claim was taken: it neither completes nor redoes the post
    sandbox.wait_for(lambda: f"event=effect.claim_lost id={effect_id} " in frozen.log(), timeout=15,
                     message="the resumed replica never said it lost the claim:\n" + frozen.log()[-3000:])
    sandbox.wait_for(lambda: "event=sender.stopped" in frozen.log(), timeout=15,
                     message="the resumed replica never stopped sending")
    time.sleep(2)   # whatever it would still do, it has had the time to
    posts = [m for m in sandbox.messages(channel["id"]) if NOTE in sandbox.render(m)]
    assert len(posts) == 1, [sandbox.render(m) for m in posts]
    assert len(posting_note()) == 1, "the note was posted again instead of found"
    ((_, state, claimed_by, attempts, result),) = note_effect(database)
    assert (state, claimed_by, attempts) == ("done", None, 2)
    assert json.loads(result)["ts"] == posts[0]["ts"]
    assert frozen.running and taker.running
    assert "event=sender.started" in taker.log()


# 3. PostgreSQL restarted under load ------------------------------------------------------------------

NOT_RECORDED = "warroom cannot record this right now"   # templates/errors.j2 not_recorded
DECLARED = ":hourglass_flowing_sand: Declaring"
KEY = "replica-faults-key"
PEOPLE = [f"user{n:03d}" for n in range(4)]
CUT_AT, CUT_FOR = 1.0, 2.0      # seconds into the load (then the next lease renewal), and for how long
IN_FLIGHT = 1.2                 # how long the posts under way when PostgreSQL goes take
LOAD_FOR = 6.5                  # seconds people keep typing
NOTE_EVERY = 0.8
DECLARE_AT = (0.5, 2.0, 3.0, 5.0)   # one declare per person: before, during (twice) and after the cut
STORM_SENDERS, STORM_REQUESTS, STORM_EVENTS = 3, 15, 8     # each request its own keys
STORM_GIVES_UP = 30.0           # seconds into the load after which a sender stops retrying


def storm_config(sandbox) -> str:
    return team_with_storm_source(sandbox, PEOPLE, "WARROOM_FAULTS_KEY")


@pytest.fixture
def storm_sandbox():
    from harness import start_sandbox

    sb = start_sandbox(extra_users=len(PEOPLE))
    for person in PEOPLE:
        sb.as_user(person).join("general")
    yield sb
    sb.stop()


@pytest.fixture
def proxied_replicas(storm_sandbox, tmp_path, database):
    """Two replicas, each reaching PostgreSQL through a proxy of its own (cut both: a restart)."""
    from urllib.parse import urlsplit, urlunsplit

    from harness.tcp_proxy import TcpProxy

    parts = urlsplit(database)
    made = []
    try:
        for name in ("a", "b"):
            proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
            auth = parts.netloc.rsplit("@", 1)[0]
            url = urlunsplit(parts._replace(netloc=f"{auth}@127.0.0.1:{proxy.port}"))
            replica = BotProcess(storm_sandbox, tmp_path, storm_config(storm_sandbox), database=url, name=name,
                                 env={"WARROOM_FAULTS_KEY": KEY})
            made.append((replica, proxy))
            replica.start()
        yield made
    finally:
        for replica, proxy in made:
            replica.stop()
            proxy.stop()


def health(replica) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{replica.webhook_port()}/healthz", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0


def test_postgresql_restarted_under_load_loses_and_doubles_nothing_acked(storm_sandbox, proxied_replicas, database):
    import json
    import threading
    import urllib.error
    import urllib.request
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    sandbox = storm_sandbox
    replicas = [r for r, _ in proxied_replicas]
    proxies = [p for _, p in proxied_replicas]
    rooms = [declare_and_wait(sandbox, database, f"Room {n}", user=PEOPLE[n]) for n in range(2)]
    for person in PEOPLE:
        for room in rooms:
            sandbox.as_user(person).join(room["id"])

    lock = threading.Lock()
    declares: dict[str, list[str]] = {"recorded": [], "refused": [], "unknown": []}
    notes: dict[str, list[tuple[str, str]]] = {"recorded": [], "refused": [], "unknown": []}
    sent: Counter[int] = Counter()          # storm request -> times sent
    stored: set[int] = set()                # storm requests answered 202
    answers: Counter[int] = Counter()       # HTTP status -> how many
    began = time.monotonic()

    def at(second: float) -> None:
        time.sleep(max(0.0, began + second - time.monotonic()))

    def outcome(ack: dict | None, recorded) -> str:
        if ack is not None and recorded(ack):
            return "recorded"
        if ack is not None and NOT_RECORDED in ack.get("text", ""):
            return "refused"
        return "unknown"        # not acked in time: Slack told the person it failed

    def person(n: int) -> None:
        me = sandbox.as_user(PEOPLE[n])
        count = 0
        declared = False
        while time.monotonic() - began < LOAD_FOR:
            if not declared and time.monotonic() - began >= DECLARE_AT[n]:
                title = f"{PEOPLE[n]} lost the database"
                ack = me.command("/incident", f"declare {title} sev2", channel="general").ack
                with lock:
                    declares[outcome(ack, lambda a: a.get("text", "").startswith(DECLARED))].append(title)
                declared = True
            room = rooms[count % len(rooms)]
            text = f"note {count} from {PEOPLE[n]}"
            ack = me.command("/incident", f"note {text}", channel=room["id"]).ack
            with lock:
                notes[outcome(ack, lambda a: a == {})].append((room["id"], text))
            count += 1
            at(count * NOTE_EVERY + n * 0.2)

    def storm(sender: int) -> None:
        for r in range(STORM_REQUESTS):
            request = sender * STORM_REQUESTS + r
            body = json.dumps([{"summary": f"disk full on db-{request}-{e}", "dedup_key": f"db-{request}-{e}"}
                               for e in range(STORM_EVENTS)]).encode()
            for attempt in range(200):
                if stop.is_set() or time.monotonic() - began > STORM_GIVES_UP:
                    return      # never stored: the assertions below say so
                replica = replicas[(sender + attempt) % 2]
                post = urllib.request.Request(f"http://127.0.0.1:{replica.webhook_port()}/alerts/storm", data=body,
                                              method="POST", headers={"Authorization": f"Bearer {KEY}",
                                                                      "Content-Type": "application/json"})
                with lock:
                    sent[request] += 1
                try:
                    with urllib.request.urlopen(post, timeout=30) as answer:
                        status = answer.status
                except urllib.error.HTTPError as refused:
                    status = refused.code
                with lock:
                    answers[status] += 1
                if status == 202:
                    with lock:
                        stored.add(request)
                    break
                assert status == 503, status   # the only refusal the database's absence may earn
                time.sleep(0.2)                 # a sender that retries sooner than Retry-After asks
            time.sleep(0.15)

    def cutter() -> None:
        # A restart shorter than the sender's lease renewal period (LEASE / 3 in bot/sender.py), as a
        # failover often is: it begins just after a renewal and is over before the next one. As under
        # real load, the sender has a Slack call in flight, whose answer comes while PostgreSQL is away.
        at(CUT_AT)
        renewed = query(database, "SELECT expires_at FROM leases WHERE name = 'sender'")
        sandbox.wait_for(lambda: query(database, "SELECT expires_at FROM leases WHERE name = 'sender'") != renewed,
                         timeout=5, interval=0.02, message="the sender lease was never renewed")
        mark = sandbox.mark()
        sandbox.faults.latency(IN_FLIGHT, "chat.postMessage")   # a call keeps the delay it began with
        try:
            sandbox.wait_for(lambda: [c for c in sandbox.calls_since(mark)
                                      if c.method == "chat.postMessage" and c.http_status == 0], timeout=0.6)
        except AssertionError:
            pass        # nothing posting this moment: the cut still falls between two renewals
        finally:
            for proxy in proxies:
                proxy.cut()
            sandbox.faults.clear()
        cut_at = time.monotonic()
        sandbox.wait_for(lambda: all(health(r) == 503 for r in replicas), timeout=CUT_FOR,
                         message="healthz never saw the database go")
        time.sleep(max(0.0, cut_at + CUT_FOR - time.monotonic()))
        for proxy in proxies:
            proxy.restore()

    stop = threading.Event()
    with ThreadPoolExecutor(len(PEOPLE) + STORM_SENDERS + 1) as pool:
        try:
            work = [pool.submit(cutter)] + [pool.submit(person, n) for n in range(len(PEOPLE))]
            work += [pool.submit(storm, s) for s in range(STORM_SENDERS)]
            for done in work:
                done.result(timeout=STORM_GIVES_UP + 10)
        finally:
            stop.set()   # a failure above must not leave the others running

    # both replicas came back by themselves, and finished what was recorded
    sandbox.wait_for(lambda: all(health(r) == 200 for r in replicas), timeout=20,
                     message="a replica did not recover: " + str([health(r) for r in replicas]))
    try:
        sandbox.wait_for(lambda: settled(database), timeout=30)
    except AssertionError:
        holder = query(database, "SELECT holder FROM leases WHERE name = 'sender'")
        sender = [r for r in replicas if holder and f":{r.process.pid}:" in holder[0][0]]
        lines = [re.sub(r" error=.*", "", line) for line in sender[0].log().splitlines()
                 if "warroom.effects" in line or "warroom.sender" in line] if sender else []
        raise AssertionError(f"effects never finished after the restart; sender lease: {holder}; its effect and "
                             f"sender log (last 5): {lines[-5:]}; pending: {unfinished(database)!r}") from None
    assert all(r.running for r in replicas)

    # every declare acked as recorded: one incident, one channel with its pinned status, one announcement
    incidents = Counter(r[0] for r in query(database, "SELECT title FROM incidents"))
    assert all(incidents[t] == 1 for t in declares["recorded"]), (declares, incidents)
    assert all(incidents[t] == 0 for t in declares["refused"]), ("told not recorded, but recorded", declares, incidents)
    assert all(incidents[t] <= 1 for t in declares["unknown"]), (declares, incidents)
    channels = dict(query(database, "SELECT title, channel_id FROM incidents"))
    assert sorted(c["id"] for c in incident_channels(sandbox)) == sorted(channels.values())
    for title, channel in channels.items():
        assert len(pinned(sandbox, channel)) == 1, title
    announced = Counter(t for m in sandbox.messages("incidents") for t in channels if t in sandbox.render(m))
    assert announced == Counter({t: 1 for t in channels}), announced
    declared_rows = Counter(r[0] for r in query(database, "SELECT i.title FROM timeline t JOIN incidents i "
                                                          "ON i.id = t.incident_id WHERE t.kind = 'declared'"))
    assert declared_rows == Counter({t: 1 for t in channels}), declared_rows

    # every note acked as recorded: one timeline row and one post; one refused: neither
    noted = Counter(r[0] for r in query(database, "SELECT text FROM timeline WHERE kind = 'note'"))
    said = Counter(text for room in rooms for m in sandbox.messages(room["id"])
                   for _, text in notes["recorded"] + notes["refused"] + notes["unknown"]
                   if sandbox.render(m).endswith(f": {text}"))
    assert notes["recorded"] and all(noted[t] == 1 and said[t] == 1 for _, t in notes["recorded"]), (noted, said)
    assert all(noted[t] == 0 and said[t] == 0 for _, t in notes["refused"]), ("told not recorded", notes, noted)
    assert all(noted[t] <= 1 and said[t] == noted[t] for _, t in notes["unknown"]), (notes, noted, said)

    # the storm: every request answered 202 is stored, one alert per key; an event is counted at most
    # once per time it was sent (a 503 may have kept part of a request: the retry is then an update)
    assert stored == set(range(STORM_SENDERS * STORM_REQUESTS))
    counts = dict(query(database, "SELECT dedup_key, event_count FROM alerts"))
    keys = query(database, "SELECT dedup_key, count(*) FROM alerts GROUP BY dedup_key")
    assert {n for _, n in keys} == {1} and len(keys) == STORM_SENDERS * STORM_REQUESTS * STORM_EVENTS
    for request in stored:
        for e in range(STORM_EVENTS):
            assert 1 <= counts[f"db-{request}-{e}"] <= sent[request], (request, e, counts[f"db-{request}-{e}"], sent[request])
    posted = query(database, "SELECT count(*) FROM alert_batches WHERE posted_at IS NOT NULL")[0][0]
    assert len([m for m in sandbox.messages("alerts") if m.get("user") == sandbox.bot_user_id]) == posted
    # and the cut did hit the load: people were told, senders were asked to send again
    assert declares["refused"] or notes["refused"], (declares, notes)
    assert answers[503] > 0, answers
