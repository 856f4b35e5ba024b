"""/insights: the queries on both engines, the page in a browser with known data, the CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.actor import Actor
from bot.config import Config
from bot.incidents.model import DeclareRequest
from bot.insights import Insights, RangeError, parse_range
from storage.db import open_database
from storage.incidents import IncidentStore
from storage.insights import InsightsStore
from storage.paging import PagingStore
from tests.e2e.helpers import declare
from tests.web.client import WebClient

RANGE = "?from=2026-01-01&to=2026-02-28"
MIN = 60.0


def at(day: str, hour: int = 12) -> float:
    """Midday UTC: the same calendar day in every time zone a viewer may have."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=timezone.utc).timestamp()


def seed(db, people: dict[str, str]) -> None:
    """Four incidents in January and February 2026, alerts from two sources, pages to alice and bob.

    Jan SEV1: #1 answered by an update after 5 min, resolved after 2 h; #2 answered by an acknowledged page
    after 15 min, resolved after 4 h (MTTA 10 min, MTTR 3 h). Feb SEV2: #3 never answered, open; #4
    private (carol's), updated after 1 min, resolved after 30 min. Bob's page about #4 is only carol's to see."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    incidents, paging = IncidentStore(db), PagingStore(db)

    def incident(day: str, severity: str, by: str, *, private: bool = False, resolved_after: float | None = None) -> int:
        declared = at(day)
        number = incidents.insert(
            title=f"Seeded {day}", severity=severity, status="resolved" if resolved_after else "investigating",
            commander=by, declared_by=by, declared_at=declared, is_private=private, channel_name=f"incident-{day}",
            resolved_at=declared + resolved_after if resolved_after else None, last_update_at=declared,
            updated_at=declared)
        incidents.add_event(number, at=declared, actor=by, kind="declared")
        return number

    def page(subject: str, user: str, sent: float, *, round: int = 0, acked: float | None = None) -> None:
        escalation = paging.insert(subject=subject, policy=None, levels=(), repeat=0, reason="", created_by=None, at=sent)
        paging.add_page(escalation.id, user=user, level=0, round=round, via="user", at=sent)
        if acked:
            paging.update(escalation.id, state="acknowledged", acked_by=user, acked_at=acked)

    with db.transaction():
        first = incident("2026-01-10", "SEV1", alice, resolved_after=120 * MIN)
        incidents.add_event(first, at=at("2026-01-10") + 5 * MIN, actor=alice, kind="update", text="looking")
        incidents.add_event(first, at=at("2026-01-10") + 10 * MIN, actor=bob, kind="acknowledged")
        second = incident("2026-01-20", "SEV1", alice, resolved_after=240 * MIN)
        incidents.add_event(second, at=at("2026-01-20") + 15 * MIN, actor=bob, kind="acknowledged")
        page(f"incident:{second}", bob, at("2026-01-20") + 1 * MIN, acked=at("2026-01-20") + 15 * MIN)
        incident("2026-02-03", "SEV2", alice)
        private = incident("2026-02-10", "SEV2", carol, private=True, resolved_after=30 * MIN)
        incidents.add_event(private, at=at("2026-02-10") + 1 * MIN, actor=carol, kind="update", text="on it")
        page(f"incident:{private}", bob, at("2026-02-10") + 1 * MIN)
        incident("2025-12-20", "SEV1", alice, resolved_after=MIN)           # before the range
        for n, (source, day, events) in enumerate([("monitoring", "2026-01-11", 1), ("monitoring", "2026-01-12", 4),
                                                   ("monitoring", "2026-02-01", 1), ("=cmd|evil", "2026-01-15", 1),
                                                   ("monitoring", "2025-12-30", 1)]):
            alert = db.insert("alerts", {"source": source, "dedup_key": f"k{n}", "summary": "s", "priority": "high",
                                         "status": "resolved", "channel": "alerts", "created_at": at(day),
                                         "updated_at": at(day), "event_count": events})
            if n == 0:   # alice paged twice (two rounds) about the first alert, acknowledged once
                escalation = paging.insert(subject=f"alert:{alert}", policy=None, levels=(), repeat=1, reason="",
                                           created_by=None, at=at(day))
                paging.add_page(escalation.id, user=alice, level=0, round=0, via="user", at=at(day))
                paging.add_page(escalation.id, user=alice, level=0, round=1, via="user", at=at(day) + 5 * MIN)
                paging.update(escalation.id, state="acknowledged", acked_by=alice, acked_at=at(day) + 6 * MIN)


PEOPLE = {"alice": "UALICE", "bob": "UBOB", "carol": "UCAROL"}


def test_the_queries_on_both_engines(database_url):
    db = open_database(database_url)
    try:
        seed(db, PEOPLE)
        store = InsightsStore(db)
        span = parse_range("2026-01-01", "2026-02-28", "UTC", today=datetime(2026, 3, 1).date())
        as_alice = [i.id for i in store.incidents(span.start, span.end, "UALICE")]
        assert as_alice == [1, 2, 3], "carol's private incident is not alice's to count"
        assert [i.id for i in store.incidents(span.start, span.end, "UCAROL")] == [1, 2, 3, 4]
        assert [i.id for i in store.incidents(span.start, span.end, None)] == [1, 2, 3, 4]
        first = store.incidents(span.start, span.end, None)[0]
        assert first.first_response_at - first.declared_at == 5 * MIN and first.resolved_at - first.declared_at == 7200
        assert [(s.source, s.alerts, s.events) for s in store.alerts_per_source(span.start, span.end)] == [
            ("monitoring", 3, 6), ("=cmd|evil", 1, 1)]
        assert [(p.user, p.pages, p.acknowledged) for p in store.pages_per_person(span.start, span.end, "UALICE")] == [
            ("UALICE", 2, 1), ("UBOB", 1, 1)]
        assert [(p.user, p.pages, p.acknowledged) for p in store.pages_per_person(span.start, span.end, "UCAROL")] == [
            ("UALICE", 2, 1), ("UBOB", 2, 1)]

        report = Insights(store, Config()).report(Actor("UALICE"), span)
        jan = {r.severity: r for r in report.mtta if r.month == "2026-01"}
        assert (jan["SEV1"].incidents, jan["SEV1"].measured, jan["SEV1"].mean, jan["SEV1"].median) == (2, 2, 600, 600)
        assert {r.severity: r.mean for r in report.mttr if r.month == "2026-01"}["SEV1"] == 3 * 3600
        feb = {r.severity: r for r in report.mtta if r.month == "2026-02"}
        assert (feb["SEV2"].incidents, feb["SEV2"].measured, feb["SEV2"].mean) == (1, 0, None)
        manager = Insights(store, Config()).report(Actor("UDAVE", is_manager=True), span)
        assert {r.severity: r.incidents for r in manager.mttr if r.month == "2026-02"}["SEV2"] == 2
        assert [(w.label, w.incidents) for w in report.weeks if w.incidents] == [
            ("2026-W02", 1), ("2026-W04", 1), ("2026-W06", 1)]
        assert report.weeks[0].label == "2026-W01" and report.weeks[-1].label == "2026-W09"
    finally:
        db.close()


def test_a_date_range_is_checked_and_defaults_to_the_last_90_days():
    today = datetime(2026, 3, 31).date()
    default = parse_range(None, None, "Europe/London", today)
    assert (default.first.isoformat(), default.last.isoformat()) == ("2026-01-01", "2026-03-31")
    for first, last, code in (("2026-13-01", None, "not_a_date"), ("2026-03-02", "2026-03-01", "reversed"),
                              ("2000-01-01", "2026-01-01", "too_long")):
        with pytest.raises(RangeError) as refused:
            parse_range(first, last, "UTC", today)
        assert refused.value.code == code


def sandbox_people(sandbox) -> dict[str, str]:
    return {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol")}


def test_the_page_in_a_browser_shows_the_numbers_a_person_may_see(bot, sandbox, web, page):
    people = sandbox_people(sandbox)
    bot.run(lambda: seed(bot.bot.db, people))
    page.goto(web.login_link(people["alice"]))
    page.goto(web.base + "/insights" + RANGE)
    assert page.locator("h1").inner_text() == "Insights"
    assert page.locator("#from").input_value() == "2026-01-01" and page.locator("#to").input_value() == "2026-02-28"
    assert "3 incidents declared from 2026-01-01 to 2026-02-28" in page.locator("#summary").inner_text()

    def table(name: str) -> list[list[str]]:
        rows = page.locator(f"#{name}-table tbody tr")
        return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]

    assert table("mtta") == [["2026-01", "SEV1", "2", "2", "10 min", "10 min"],
                             ["2026-02", "SEV2", "1", "0", "–", "–"]]
    assert table("mttr") == [["2026-01", "SEV1", "2", "2", "3 h 00 min", "3 h 00 min"],
                             ["2026-02", "SEV2", "1", "0", "–", "–"]]
    weeks = {row[0]: row[2] for row in table("weeks")}
    assert (weeks["2026-W02"], weeks["2026-W04"], weeks["2026-W06"], weeks["2026-W07"]) == ("1", "1", "1", "0")
    assert table("alerts") == [["monitoring", "3", "6"], ["=cmd|evil", "1", "1"]]
    assert table("pages") == [["@alice", "2", "1"], ["@bob", "1", "1"]]
    # the charts: an image each, named and described, one bar per value
    mtta = page.locator("svg[aria-labelledby='mtta-title mtta-desc']")
    assert mtta.get_attribute("role") == "img"
    assert mtta.locator("title#mtta-title").text_content() == "Mean time to acknowledge by month and severity"
    assert mtta.locator("rect title").all_text_contents() == ["2026-01 SEV1: 10 min"]
    assert page.locator("svg[aria-labelledby='pages-title pages-desc'] rect title").all_text_contents() == [
        "@alice: 2", "@bob: 1"]
    assert page.locator("svg[aria-labelledby='weeks-title weeks-desc'] rect").count() == 9
    page.get_by_role("link", name="Download pages per person as CSV").wait_for()

    # carol is in her private incident: it counts for her, and so does bob's page about it
    page.context.clear_cookies()
    page.goto(web.login_link(people["carol"]))
    page.goto(web.base + "/insights" + RANGE)
    assert "4 incidents declared" in page.locator("#summary").inner_text()
    assert ["2026-02", "SEV2", "2", "1", "1 min", "1 min"] in table("mtta")
    assert ["@bob", "2", "1"] in table("pages")


def test_csv_downloads(bot, sandbox, web):
    people = sandbox_people(sandbox)
    bot.run(lambda: seed(bot.bot.db, people))
    assert web.get("/insights/mtta.csv").headers["Location"].startswith("/signin"), "signed in only"
    web.sign_in(people["alice"])

    def download(name: str) -> list[list[str]]:
        reply = web.get(f"/insights/{name}.csv{RANGE}")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert reply.headers["Content-Disposition"] == \
            f'attachment; filename="warroom-{name}-2026-01-01-to-2026-02-28.csv"'
        return list(csv.reader(io.StringIO(reply.body)))

    assert download("mtta") == [
        ["month", "severity", "incidents", "measured", "mtta_mean_seconds", "mtta_median_seconds"],
        ["2026-01", "SEV1", "2", "2", "600", "600"], ["2026-02", "SEV2", "1", "0", "", ""]]
    assert download("mttr")[1] == ["2026-01", "SEV1", "2", "2", "10800", "10800"]
    weeks = download("incidents-per-week")
    assert weeks[0] == ["week", "week_starts", "incidents"] and ["2026-W02", "2026-01-05", "1"] in weeks
    assert len(weeks) == 1 + 9
    # a source named like a formula stays text in a spreadsheet
    assert download("alerts-per-source") == [["source", "alerts", "events"], ["monitoring", "3", "6"],
                                             ["'=cmd|evil", "1", "1"]]
    assert download("pages-per-person") == [["person", "slack_user_id", "pages", "acknowledged"],
                                            ["alice", people["alice"], "2", "1"], ["bob", people["bob"], "1", "1"]]
    missing = web.get("/insights/nope.csv")
    assert missing.status == 404 and "mtta.csv" in missing.body and "pages-per-person.csv" in missing.body
    bad = web.get("/insights/mtta.csv?from=2026-03-02&to=2026-03-01")
    assert bad.status == 400 and "is after" in bad.body and "swap them" in bad.body


def test_defaults_bad_input_and_an_incident_declared_in_slack(bot, sandbox, web):
    assert web.get("/insights").headers["Location"].startswith("/signin?next=")
    alice = sandbox.user("alice")["id"]
    web.sign_in(alice)
    channel = declare(sandbox, bot, "Checkout errors sev2")
    assert sandbox.as_user("alice").command("/incident", "status Rolling back the deploy", channel=channel["id"]).ack == {}
    bot.settle()
    assert bot.query("SELECT kind FROM timeline WHERE kind = 'update'") == [("update",)]
    shown = web.get("/insights")
    assert shown.status == 200
    today = datetime.fromtimestamp(bot.clock.time(), ZoneInfo(bot.bot.web.timezone_of(alice))).date()
    assert f'name="to" value="{today.isoformat()}"' in shown.body
    assert f'name="from" value="{(today - timedelta(days=89)).isoformat()}"' in shown.body
    assert "1 incident declared from" in shown.body
    # answered by its status update: one SEV2 incident, one with a response, this month
    assert f'<th scope="row">{today.strftime("%Y-%m")}</th><td>SEV2</td><td>1</td><td>1</td>' in shown.body
    bad = web.get("/insights?from=yesterday")
    assert bad.status == 400 and "must be a date written YYYY-MM-DD" in bad.body and "yesterday" in bad.body


def test_a_change_shows_on_the_next_view_and_a_private_incident_only_to_its_people(bot, sandbox, web):
    """Reports are kept while nothing changes (bot/insights.py): the next view after a change shows it,
    the CSV gives the page's numbers, and someone outside a private incident never sees it counted."""
    people = sandbox_people(sandbox)
    web.sign_in(people["alice"])
    assert "0 incidents declared from" in web.get("/insights").body     # kept from here on
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.as_user("alice").command("/incident", "resolve Rolled back", channel=channel["id"])
    bot.settle()
    month = datetime.fromtimestamp(bot.clock.time(), ZoneInfo(bot.bot.web.timezone_of(people["alice"]))).strftime("%Y-%m")
    shown = web.get("/insights").body
    assert "1 incident declared from" in shown
    resolved_row = f'<th scope="row">{month}</th><td>SEV2</td><td>1</td><td>1</td>'
    assert resolved_row in shown.split('id="mttr-table"')[1], "resolved: its time to resolve is counted"
    assert [row[:4] for row in csv.reader(io.StringIO(web.get("/insights/mttr.csv").body))][1] == [month, "SEV2", "1", "1"]

    def private_by_carol() -> None:
        bot.bot.domain.incidents.declare(DeclareRequest(title="Leaked key", severity="sev2", declared_by=people["carol"],
                                                        is_private=True))
    bot.run(private_by_carol)
    assert "1 incident declared from" in web.get("/insights").body, "carol's private incident is not alice's"
    weeks = list(csv.reader(io.StringIO(web.get("/insights/incidents-per-week.csv").body)))[1:]
    assert sum(int(week[2]) for week in weeks) == 1, "nor in the downloads"
    carol = WebClient(bot)
    carol.sign_in(people["carol"])
    assert "2 incidents declared from" in carol.get("/insights").body
    assert "1 incident declared from" in web.get("/insights").body, "what carol was shown is not alice's"
