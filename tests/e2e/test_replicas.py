"""Two replicas of the unmodified bot on one PostgreSQL database, each with its own Socket Mode link
to the sandbox (which hands each envelope to one link): commands, clicks and a webhook storm spread
over both while one of them is killed with SIGKILL and restarted, again and again. Counted in the
sandbox: whatever was acked is done exactly once, and no timer fires twice."""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import start_sandbox
from harness.bots import BotProcess, query
from tests.e2e.helpers import pinned
from tests.e2e.oncall_config import team_with_storm_source

KEY = "replica-storm-key"
PEOPLE = [f"user{n:03d}" for n in range(10)]
DECLARES_EACH = 2
NOTES = 180                # with the 20 declares: 200 commands
JOINS = 40                 # "Join" clicked on announcements
STORM_KEYS = 1000          # distinct alerts
STORM_EVENTS = 5000        # events in all: each key fires five times
PER_REQUEST = 100
KILLS = 3
PULSE = 5                  # seconds between reminders for SEV1


def config_text(sandbox) -> str:
    severities = f"""
severities:
  - {{name: SEV1, description: Critical, pulse: {PULSE}s}}
  - {{name: SEV2, description: Major, pulse: 30m}}"""
    return team_with_storm_source(sandbox, PEOPLE, "WARROOM_REPLICA_KEY", before=severities)


@pytest.fixture
def sandbox():
    sb = start_sandbox(extra_users=len(PEOPLE))
    for person in PEOPLE:
        sb.as_user(person).join("general")
        sb.as_user(person).join("incidents")
    yield sb
    sb.stop()


@pytest.fixture
def database(postgres_url):
    return postgres_url


@pytest.fixture
def replicas(sandbox, tmp_path, database):
    made = [BotProcess(sandbox, tmp_path, config_text(sandbox), database=database, name=name,
                       env={"WARROOM_REPLICA_KEY": KEY}) for name in ("a", "b")]
    for replica in made:
        replica.start()
    yield made
    for replica in made:
        replica.stop()


def post_alerts(ports: list[int], body: list[dict], stop: threading.Event) -> None:
    """As a sender behind a load balancer: tries each replica in turn until one says stored."""
    data = json.dumps(body).encode()
    for attempt in range(400):
        port = ports[attempt % len(ports)]()
        if port is None:
            time.sleep(0.1)
            continue
        request = urllib.request.Request(f"http://127.0.0.1:{port}/alerts/storm", data=data, method="POST",
                                         headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                if answer.status == 202:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)   # killed mid-request, or not listening yet: the next replica
    raise AssertionError("a storm request was never stored")


def test_two_replicas_do_everything_once_while_one_is_killed_again_and_again(sandbox, replicas, database):
    a, b = replicas
    assert len(sandbox.links) == 2
    acked_declares: list[str] = []
    acked_notes: list[str] = []
    acked_joins: list[tuple[str, str]] = []   # (person, incident title)
    lock = threading.Lock()
    stop = threading.Event()

    def port_of(replica):
        def port():
            if not replica.running:
                return None
            try:
                return replica.webhook_port()
            except AssertionError:
                return None
        return port

    titles = [f"{person} outage {n}" for person in PEOPLE for n in range(DECLARES_EACH)]

    def declares(person: str) -> None:
        for n in range(DECLARES_EACH):
            title = f"{person} outage {n}"
            severity = "sev1" if n == 0 else "sev2"
            result = sandbox.as_user(person).command("/incident", f"declare {title} {severity}", channel="general")
            # answered on the ack, or, in a crowd, acked empty: recorded, to be handled just after
            if result.ack is not None and (result.ack == {} or result.ack.get("text", "").startswith(
                    ":hourglass_flowing_sand: Declaring")):
                with lock:
                    acked_declares.append(title)

    def notes(person: str, count: int) -> None:
        done = 0
        while done < count and not stop.is_set():
            mine = [c for c in sandbox.channels() if c["name"].startswith("incident-")
                    and sandbox.user(person)["id"] in c.get("members", [])]
            if not mine:
                time.sleep(0.2)
                continue
            text = f"note {done} from {person}"
            result = sandbox.as_user(person).command("/incident", f"note {text}", channel=random.choice(mine)["id"])
            if result.ack == {}:   # a note is acked with nothing to say; a refusal says why
                with lock:
                    acked_notes.append(text)
            done += 1

    def joins(person: str, count: int) -> None:
        clicked = 0
        while clicked < count and not stop.is_set():
            announcements = [m for m in sandbox.messages("incidents") if m.get("user") == sandbox.bot_user_id
                             and "Join" in json.dumps(m.get("blocks", []))]
            if not announcements:
                time.sleep(0.2)
                continue
            message = random.choice(announcements)
            result = sandbox.as_user(person).click("incident_join", message=message)
            if result.ack == {}:
                title = next(t for t in titles if t in sandbox.render(message))
                with lock:
                    acked_joins.append((person, title))
            clicked += 1
            time.sleep(0.1)

    def killer() -> None:
        for _ in range(KILLS):
            time.sleep(4)
            a.kill9()
            time.sleep(1)
            a.start(timeout=30)

    storm = [[{"summary": f"disk full on db-{(r * PER_REQUEST + i) % STORM_KEYS}",
               "dedup_key": f"db-{(r * PER_REQUEST + i) % STORM_KEYS}"} for i in range(PER_REQUEST)]
             for r in range(STORM_EVENTS // PER_REQUEST)]
    with ThreadPoolExecutor(len(PEOPLE) * 2 + 12) as pool:
        try:
            kills = pool.submit(killer)
            work = [pool.submit(declares, p) for p in PEOPLE]
            work += [pool.submit(notes, p, NOTES // len(PEOPLE)) for p in PEOPLE]
            work += [pool.submit(joins, p, JOINS // 4) for p in PEOPLE[-4:]]
            work += [pool.submit(post_alerts, [port_of(a), port_of(b)], body, stop) for body in storm]
            for done in work + [kills]:
                done.result(timeout=300)
        finally:
            stop.set()   # a failure above must not leave the other threads waiting for ever

    # everything recorded is finished: nothing pending, by whichever replica holds the sending lease
    sandbox.wait_for(lambda: query(database, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)],
                     timeout=120, message="effects never finished")
    incidents = dict(query(database, "SELECT title, channel_id FROM incidents"))
    # every acked declare: one incident, one channel, one pinned status, one announcement
    assert set(acked_declares) <= set(incidents), set(acked_declares) - set(incidents)
    assert len(acked_declares) >= len(PEOPLE) * DECLARES_EACH - 2 * KILLS, "most declares should be acked"
    channels = [c for c in sandbox.channels() if c["name"].startswith("incident-")]
    assert sorted(c["id"] for c in channels) == sorted(incidents.values())
    for title, channel in incidents.items():
        assert len(pinned(sandbox, channel)) == 1, title
        status_posts = [m for m in sandbox.messages(channel) if m.get("user") == sandbox.bot_user_id
                        and "Incident #" in sandbox.render(m) and m.get("pinned_to")]
        assert len(status_posts) == 1, title
    announced = Counter(t for m in sandbox.messages("incidents") for t in incidents if t in sandbox.render(m))
    assert set(announced.values()) == {1} and set(announced) == set(incidents)
    # every acked note: one timeline row
    noted = Counter(r[0] for r in query(database, "SELECT text FROM timeline WHERE kind = 'note'"))
    assert all(noted[text] == 1 for text in acked_notes), [t for t in acked_notes if noted[t] != 1]
    assert len(acked_notes) >= NOTES - 2 * KILLS, "most notes should be acked"
    said = Counter(text for channel in incidents.values() for m in sandbox.messages(channel)
                   for text in noted if sandbox.render(m).endswith(f": {text}"))
    assert said == Counter({text: 1 for text in noted}), "each recorded note is posted once"
    # every acked "Join": the person is in that incident's channel
    assert len(acked_joins) >= JOINS - 2 * KILLS, "most joins should be acked"
    for person, title in acked_joins:
        assert sandbox.user(person)["id"] in sandbox.channel(incidents[title])["members"], (person, title)
    # the storm: one alert per key, every event counted at least once, each batch posted once
    keys = query(database, "SELECT dedup_key, count(*) FROM alerts GROUP BY dedup_key")
    assert len(keys) == STORM_KEYS and {n for _, n in keys} == {1}
    assert query(database, "SELECT min(event_count) FROM alerts") >= [(STORM_EVENTS // STORM_KEYS,)]
    posted = query(database, "SELECT count(*) FROM alert_batches WHERE posted_at IS NOT NULL")[0][0]
    bot_posts = [m for m in sandbox.messages("alerts") if m.get("user") == sandbox.bot_user_id]
    assert len(bot_posts) == posted
    # no timer fired twice: SEV1 reminders are at least a pulse apart, each posted once
    def pulses(title: str) -> list[float]:
        return [r[0] for r in query(database, "SELECT t.at FROM timeline t JOIN incidents i ON i.id = t.incident_id "
                                              "WHERE i.title = ? AND t.kind = 'pulse' ORDER BY t.at", (title,))]

    def reminders(channel: str) -> int:
        return sum("no status update" in sandbox.render(m) for m in sandbox.messages(channel))

    for title, channel in incidents.items():
        at = pulses(title)
        assert all(later - earlier >= PULSE - 1 for earlier, later in zip(at, at[1:])), (title, at)
        # SEV1 pulses go on firing while we look: each recorded one is posted once, moments after
        sandbox.wait_for(lambda: reminders(channel) == len(pulses(title)), timeout=10,
                         message=f"{title}: reminders posted differ from pulses recorded")
    assert a.log().count("warroom.started") == KILLS + 1


def test_work_acked_by_the_replica_that_does_not_send_is_carried_out_at_once(sandbox, replicas):
    """Only one replica talks to Slack; the other one tells it (a PostgreSQL notification) as it
    commits, so a declare it acked does not wait for the sender's next look (up to 5 s)."""
    a, b = replicas
    # "warroom.started" is logged just after the Socket Mode connection the harness waits for
    sandbox.wait_for(lambda: "warroom.started" in b.log(), timeout=10, message="b never said it started")
    assert "sender=True" in a.log() and "sender=False" in b.log()   # a started first and holds the lease
    b_link = max(link["id"] for link in sandbox.links)              # b connected second
    waited = []
    for n in range(3):
        sandbox.route_next(b_link, envelope_type="slash_commands")
        result = sandbox.as_user(PEOPLE[n]).command("/incident", f"declare prompt check {n} sev2", channel="general")
        assert result.ack["text"].startswith(":hourglass_flowing_sand: Declaring"), result.ack
        acked = time.monotonic()
        sandbox.wait_for(lambda: any(c["name"].endswith(f"prompt-check-{n}") for c in sandbox.channels()),
                         timeout=10, message="the channel was never created")
        waited.append(time.monotonic() - acked)
    assert max(waited) < 1.5, waited
