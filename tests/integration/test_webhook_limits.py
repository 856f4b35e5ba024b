"""What one sender can do to the intake and to everyone else: how many events a request may carry,
how fast a source may send, how big its labels and how many its open alerts may be; what a retry
without a dedup key does; what half a character does; what /healthz says when writes fail."""

from __future__ import annotations

import asyncio
import copy
import json
import time

import pytest

from bot.alerts.payloads import MAX_EVENTS, content_key
from tests.integration.support import CONFIG, HOOK_KEY, PROM_KEY, firing, running_intake
from tests.loop_watch import record_stalls

QUIET_KEY = HOOK_KEY


def config_with(**sources: dict) -> dict:
    """CONFIG with the given webhook sources (name -> extra keys), all keyed with HOOK_KEY."""
    raw = copy.deepcopy(CONFIG)
    raw["alert_sources"] += [dict({"name": name, "type": "webhook", "escalation_policy": "primary",
                                   "key_env": "HOOK_KEY"}, **extra) for name, extra in sources.items()]
    return raw


UNLIMITED = {"limits": {"alerts_per_second": 100_000, "burst": 1_000_000, "open_alerts": 1_000_000}}


# events per request (item 2) -----------------------------------------------------------------------
async def test_more_events_than_the_cap_is_413_naming_the_cap(intake):
    events = [{"summary": f"check {i} failed"} for i in range(MAX_EVENTS + 1)]
    status, body = await intake.post("cron", events, key=HOOK_KEY)
    assert (status, body) == (413, {"ok": False, "error": f"the list has {MAX_EVENTS + 1} events; warroom takes at "
                                                          f"most {MAX_EVENTS} in one request: send them in several "
                                                          "requests"})
    group = firing()
    group["alerts"] = [dict(group["alerts"][0], fingerprint=f"{i:016x}") for i in range(MAX_EVENTS + 1)]
    status, body = await intake.post("prometheus", group)
    assert status == 413 and body["error"].startswith(f"alerts has {MAX_EVENTS + 1} alerts; warroom takes at most "
                                                      f"{MAX_EVENTS} in one request: set max_alerts: {MAX_EVENTS}")
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]
    status, body = await intake.post("cron", events[:MAX_EVENTS], key=HOOK_KEY)  # the cap itself is fine
    assert status == 202 and len(body["alerts"]) == MAX_EVENTS


async def test_big_requests_are_stored_without_holding_the_loop(tmp_path):
    """Eight requests of a thousand new alerts take seconds to store; meanwhile the loop that also
    answers Slack stays free: it never stalls for long (a slice is milliseconds; the bound is loose
    for a busy machine), and /healthz is answered at once."""
    async with running_intake(str(tmp_path / "w.db"), config_with(big=UNLIMITED)) as intake:
        stalls: list[float] = []
        beating = asyncio.create_task(record_stalls(stalls))
        big = [asyncio.create_task(intake.post("big", [{"summary": f"batch {b} check {i} failed"}
                                                       for i in range(MAX_EVENTS)], key=HOOK_KEY))
               for b in range(8)]
        deadline = time.monotonic() + 60
        while intake.rows("SELECT count(*) FROM alerts") == [(0,)] and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # the first slices are committed: storing is under way
        began = time.monotonic()
        async with intake.http.get(f"{intake.base}/healthz") as response:
            health = (response.status, await response.json(), time.monotonic() - began)
        still_storing = intake.rows("SELECT count(*) FROM alerts")[0][0] < 8 * MAX_EVENTS
        answers = await asyncio.gather(*big)
        beating.cancel()
        assert [status for status, _ in answers] == [202] * 8
        assert intake.rows("SELECT count(*) FROM alerts") == [(8 * MAX_EVENTS,)]
        assert max(stalls) < 0.5, f"the loop stalled {max(stalls):.3f} s"
        assert still_storing, "/healthz waited for the big requests"
        assert health[0] == 200 and health[2] < 1.0, health


# per-source rate (item 3) --------------------------------------------------------------------------
async def test_a_noisy_source_is_held_to_its_rate_and_the_others_do_not_wait(tmp_path):
    raw = config_with(noisy={"limits": {"alerts_per_second": 50, "burst": 100}}, quiet={})
    async with running_intake(str(tmp_path / "w.db"), raw) as intake:
        statuses: dict[int, int] = {}
        retry_after: set[str] = set()
        stop = time.monotonic() + 3.0

        async def noisy_client(client: int) -> None:
            sent = 0
            while time.monotonic() < stop:
                async with intake.http.post(f"{intake.base}/alerts/noisy", headers={"Authorization": f"Bearer {HOOK_KEY}"},
                                            json={"summary": f"flapping {client}-{sent % 20}"}) as response:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status == 429:
                        retry_after.add(response.headers["Retry-After"])
                        assert (await response.json())["error"] == (
                            "alert source 'noisy' is over its limit of 50 alerts a second (burst 100); send it again "
                            f"in {response.headers['Retry-After']} s")
                sent += 1

        async def quiet_client() -> list[tuple[int, float]]:
            seen = []
            for i in range(10):
                began = time.monotonic()
                status, _ = await intake.post("quiet", {"summary": f"quiet {i}"}, key=QUIET_KEY)
                seen.append((status, time.monotonic() - began))
                await asyncio.sleep(0.2)
            return seen

        began = time.monotonic()
        *_, quiet = await asyncio.gather(*(noisy_client(c) for c in range(8)), quiet_client())
        elapsed = time.monotonic() - began
        assert statuses.get(429, 0) > 0 and retry_after == {"1"}, statuses
        stored = intake.rows("SELECT sum(event_count) FROM alerts WHERE source = 'noisy'")[0][0]
        assert stored == statuses[202] and stored <= 100 + 50 * elapsed + 8, (stored, elapsed)
        assert [status for status, _ in quiet] == [202] * 10
        assert max(took for _, took in quiet) < 0.5, quiet


# labels (item 3) -----------------------------------------------------------------------------------
def labelled(**labels: str) -> dict:
    body = firing()
    body["alerts"][0]["labels"] = dict(body["alerts"][0]["labels"], **labels)
    return body


@pytest.mark.parametrize("body,reason", [
    (labelled(blob="x" * 1024 * 900), "alerts[0].labels.blob is 921600 characters; a label value may have at most "
                                      "1024 (put long text in an annotation)"),
    (labelled(**{"n" * 129: "v"}), "alerts[0].labels has a label name of 129 characters"),
    (labelled(**{f"l{i}": "v" for i in range(64)}), "alerts[0].labels has 69 labels; at most 64"),
    (labelled(**{f"l{i}": "v" * 1000 for i in range(9)}), "alerts[0].labels has 9"),
])
async def test_oversized_labels_are_refused_naming_the_label(intake, body, reason):
    status, answer = await intake.post("prometheus", body)
    assert status == 400 and answer["error"].startswith(reason), answer
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


# open alerts per source (item 3) ---------------------------------------------------------------------
async def test_at_its_cap_of_open_alerts_a_source_is_told_and_updates_still_land(tmp_path):
    async with running_intake(str(tmp_path / "w.db"), config_with(capped={"limits": {"open_alerts": 3}})) as intake:
        async def send(*events):
            return await intake.post("capped", list(events), key=HOOK_KEY)

        assert (await send({"summary": "one", "dedup_key": "1"}, {"summary": "two", "dedup_key": "2"}))[0] == 202
        status, body = await send({"summary": "three", "dedup_key": "3"}, {"summary": "four", "dedup_key": "4"},
                                  {"summary": "five", "dedup_key": "5"}, {"summary": "one again", "dedup_key": "1"})
        assert status == 507
        assert body["ok"] is False and body["refused"] == 2 and body["error"] == (
            "alert source 'capped' has 3 open alerts, the most warroom keeps open for one source: 2 new alert(s) were "
            "not created, the other events were stored. Resolve some and send it again")
        assert [(a["created"], a["status"]) for a in body["alerts"]] == [(True, "pending"), (False, "pending")]
        assert intake.rows("SELECT dedup_key, status, event_count FROM alerts ORDER BY id") == [
            ("1", "pending", 2), ("2", "pending", 1), ("3", "pending", 1)]
        # the channel hears once per spell, however often the sender retries
        for _ in range(2):
            status, _ = await send({"summary": "four", "dedup_key": "4"}, {"summary": "five", "dedup_key": "5"})
            assert status == 507
        assert intake.rows("SELECT json_extract(payload, '$.context') FROM outbox "
                           "WHERE json_extract(payload, '$.message') = 'alerts.source_full'") == [
            ('{"source":"capped","limit":3}',)]
        # resolves land at the cap, and once some are resolved the retry gets in
        status, body = await send({"dedup_key": "1", "status": "resolved"}, {"dedup_key": "3", "status": "resolved"})
        assert status == 202 and [a["status"] for a in body["alerts"]] == ["resolved", "resolved"]
        status, body = await send({"summary": "four", "dedup_key": "4"}, {"summary": "five", "dedup_key": "5"})
        assert status == 202 and [a["created"] for a in body["alerts"]] == [True, True]


# a retry without a dedup key (item 6) ---------------------------------------------------------------
async def test_the_same_event_without_a_dedup_key_twice_is_one_alert(intake):
    event = {"summary": "Nightly backup failed on db-1", "details": "pg_dump exited 3"}
    first = await intake.post("cron", event, key=HOOK_KEY)
    again = await intake.post("cron", event, key=HOOK_KEY)  # the sender's retry after a timeout
    other = await intake.post("cron", dict(event, details="pg_dump exited 4"), key=HOOK_KEY)
    assert [s for s, _ in (first, again, other)] == [202, 202, 202]
    assert again[1]["alerts"] == [{"id": first[1]["alerts"][0]["id"], "created": False, "status": "pending"}]
    assert other[1]["alerts"][0]["created"] is True
    assert intake.rows("SELECT dedup_key, event_count FROM alerts ORDER BY id") == [
        (content_key("Nightly backup failed on db-1", "pg_dump exited 3"), 2),
        (content_key("Nightly backup failed on db-1", "pg_dump exited 4"), 1)]


# half a character (item 14) -------------------------------------------------------------------------
@pytest.mark.parametrize("source,key,data,field", [
    ("cron", HOOK_KEY, b'{"summary": "disk \\ud800 full"}', "summary"),
    ("cron", HOOK_KEY, b'[{"summary": "ok"}, {"summary": "x", "details": "\\udfff"}]', "[1].details"),
    ("prometheus", PROM_KEY, json.dumps(labelled(job="api\\ud800")).replace("\\\\ud800", "\\ud800").encode(),
     "alerts[0].labels.job"),
])
async def test_a_lone_surrogate_is_400_naming_the_field(intake, source, key, data, field):
    status, body = await intake.post(source, data=data, key=key)
    assert status == 400 and body["error"].startswith(f"{field} has half of a character at position "), body
    assert "a lone surrogate" in body["error"]
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


# health that tells the truth (item 18) -------------------------------------------------------------
async def wait_for_health(intake, status: int) -> tuple[int, dict]:
    deadline = time.monotonic() + 10
    while True:
        async with intake.http.get(f"{intake.base}/healthz") as response:
            answer = (response.status, await response.json())
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.1)


async def test_healthz_is_503_while_the_database_takes_no_writes(intake):
    assert await wait_for_health(intake, 200) == (200, {"ok": True})
    intake.service.store.db.conn.execute("PRAGMA query_only = ON")  # reads work, writes fail, as on a full disk
    status, body = await intake.post("prometheus", firing())
    assert status == 503
    assert await wait_for_health(intake, 503) == (503, {"ok": False, "error": "the database cannot take writes"})
    intake.service.store.db.conn.execute("PRAGMA query_only = OFF")
    assert await wait_for_health(intake, 200) == (200, {"ok": True})
    assert (await intake.post("prometheus", firing()))[0] == 202
