"""Pages due together for one person one way go out as one delivery: after a crash, each page is still
in exactly one delivery."""

from __future__ import annotations

from bot.actor import Actor
from bot.alerts.model import AlertEvent
from tests.domain.conftest import ALICE, BOB, CONFIG, ENVIRON
from tests.domain.test_alerts import source

BOB_BY_PUSH = CONFIG.replace("  - {slack_id: UBOB00001, name: bob}",
                             "  - {slack_id: UBOB00001, name: bob, contact: {ntfy: bob-pages}, notify: [ntfy 0]}") + \
    "notify: {ntfy: {url: 'http://127.0.0.1:9', token_env: NTFY_TOKEN}}\n"


def bob_paged_by_push(make_rig, monkeypatch, *summaries: str):
    """One alert per summary, all due at once: bob's push notifications for them, oldest first."""
    monkeypatch.setitem(ENVIRON, "NTFY_TOKEN", "ntfy-token-for-tests")
    rig = make_rig(BOB_BY_PUSH)
    for summary in summaries:
        rig.alerts.receive(source(rig, "prometheus"), [AlertEvent(summary, dedup_key=summary)])
    return rig, [r[0] for r in rig.db.query(
        "SELECT id FROM notifications WHERE user_id = ? AND method = 'ntfy' ORDER BY id", (BOB,))]


def test_a_page_carried_by_another_delivery_is_not_sent_again_when_its_own_effect_resumes(make_rig, monkeypatch):
    rig, (first, second, third) = bob_paged_by_push(make_rig, monkeypatch, "Checkout 5xx", "Queue stuck", "Disk full")
    assert rig.notifier.begin(first).id == first
    assert [n.id for n in rig.notifier.bundle(first)] == [second, third]
    # the runner had claimed all three effects together (an attempt each) when warroom was killed: on
    # restart each is resumed; the first sends the bundle again, the others are in it and send nothing
    assert rig.notifier.begin(second, resumed=True) is None
    assert rig.notifier.begin(third, resumed=True) is None
    assert rig.notifier.begin(first, resumed=True).id == first
    assert [n.id for n in rig.notifier.bundle(first)] == [second, third]
    rig.notifier.sent(first, "ntfy topic bob-pages")
    assert rig.db.query("SELECT id, state, bundle_id FROM notifications WHERE user_id = ? ORDER BY id", (BOB,)) == \
        [(first, "sent", None), (second, "sent", first), (third, "sent", first)]



def test_a_bundle_in_flight_when_its_first_page_is_acknowledged_still_carries_the_others_once(make_rig, monkeypatch):
    rig, (first, second, third) = bob_paged_by_push(make_rig, monkeypatch, "Checkout 5xx", "Queue stuck", "Disk full")
    mark = rig.mark()
    assert rig.notifier.begin(first).id == first    # the push "Checkout 5xx (+2 more)" is on its way...
    rig.alerts.accept(1, Actor(ALICE))              # ...when alice acknowledges the first alert in Slack
    assert rig.effects("notify.send", after=mark) == [], "the other two were sent again in a second push"
    rig.notifier.sent(first, "ntfy topic bob-pages")
    assert rig.db.query("SELECT id, state, bundle_id FROM notifications WHERE user_id = ? ORDER BY id", (BOB,)) == \
        [(first, "sent", None), (second, "sent", first), (third, "sent", first)]


def test_a_bundle_whose_first_page_was_answered_meanwhile_is_released_when_it_is_tried_again(make_rig, monkeypatch):
    rig, (first, second) = bob_paged_by_push(make_rig, monkeypatch, "Checkout 5xx", "Queue stuck")
    rig.notifier.begin(first)
    rig.alerts.accept(1, Actor(ALICE))
    rig.notifier.retrying(first, "ntfy: HTTP 503")  # the push did not get through: it goes again later
    mark = rig.mark()
    assert rig.notifier.begin(first) is None, "its own page is answered"
    [again] = rig.effects("notify.send", after=mark)
    assert again.payload == {"notification": second}
    assert rig.notifier.begin(second).id == second  # the second page goes on its own, once
