"""Pages due together for one person one way go out as one delivery: after a crash, each page is still
in exactly one delivery."""

from __future__ import annotations

from bot.alerts.model import AlertEvent
from tests.domain.conftest import CONFIG, ENVIRON, BOB
from tests.domain.test_alerts import source

BOB_BY_PUSH = CONFIG.replace("  - {slack_id: UBOB00001, name: bob}",
                             "  - {slack_id: UBOB00001, name: bob, contact: {ntfy: bob-pages}, notify: [ntfy 0]}") + \
    "notify: {ntfy: {url: 'http://127.0.0.1:9', token_env: NTFY_TOKEN}}\n"


def test_a_page_carried_by_another_delivery_is_not_sent_again_when_its_own_effect_resumes(make_rig, monkeypatch):
    monkeypatch.setitem(ENVIRON, "NTFY_TOKEN", "ntfy-token-for-tests")
    rig = make_rig(BOB_BY_PUSH)
    for summary in ("Checkout 5xx", "Queue stuck", "Disk full"):
        rig.alerts.receive(source(rig, "prometheus"), [AlertEvent(summary, dedup_key=summary)])
    first, second, third = [r[0] for r in rig.db.query(
        "SELECT id FROM notifications WHERE user_id = ? AND method = 'ntfy' ORDER BY id", (BOB,))]
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
