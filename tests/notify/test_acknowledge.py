"""Acknowledge in one step from wherever the page reached you: a link, ntfy's button, Pushover's
receipt, an SMS reply, a keypress; forged Twilio requests and forged or reused links do nothing."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.fakes.server import wait_until
from tests.notify.conftest import ALICE_PHONE, notify_yaml
from tests.notify.helpers import escalation_state, history, later, page_text, raise_alert, states


@pytest.fixture
def rules():
    return None


@pytest.fixture
def config_text(sandbox, fakes, rules):
    return notify_yaml(sandbox, fakes, alice_rules=rules)


def http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=data if data is not None else (b"" if method == "POST" else None),
                                     method=method)
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def acked_by_alice(bot, sandbox) -> bool:
    return escalation_state(bot) == ("acknowledged", sandbox.user("alice")["id"])


@pytest.mark.parametrize("rules", ["[slack 0, email 0, sms 5m]"])
def test_the_email_link_shows_a_button_and_only_the_button_acknowledges_once(bot, sandbox, fakes):
    alert_id = raise_alert(sandbox, bot)
    mail = wait_until(lambda: fakes.smtp.to("alice@example.com"))[0]
    link = re.search(r"(http://\S+/ack/\S+)", mail.get_content()).group(1)
    status, page = http(link)          # a link scanner, or alice opening it
    assert status == 200 and f"Alert #{alert_id}" in page and "Acknowledge as @alice" in page
    assert escalation_state(bot)[0] == "active", "opening the link acknowledged"
    status, page = http(link, "POST")
    assert status == 200 and "You acknowledged it as @alice" in page
    assert acked_by_alice(bot, sandbox)
    wait_until(lambda: "acknowledged" in page_text(sandbox), message="the Slack page was not edited")
    assert states(bot)["sms"] == "stopped"
    later(bot, 6)
    assert not fakes.twilio.sms
    status, page = http(link, "POST")
    assert status == 409 and "already used" in page
    assert ("email", "acknowledged") in history(bot)


@pytest.mark.parametrize("rules", ["[email 0]"])
def test_a_forged_or_cut_link_acknowledges_nothing(bot, sandbox, fakes):
    raise_alert(sandbox, bot)
    mail = wait_until(lambda: fakes.smtp.to("alice@example.com"))[0]
    link = re.search(r"(http://\S+/ack/\S+)", mail.get_content()).group(1)
    notification, expires, mac = link.rsplit("/", 1)[1].split(".")
    base = link.rsplit("/", 1)[0]
    for forged in (f"{int(notification) + 1}.{expires}.{mac}", f"{notification}.{int(expires) + 999}.{mac}",
                   f"{notification}.{expires}", "nonsense"):
        status, page = http(f"{base}/{forged}", "POST")
        assert status == 403 and "does not acknowledge anything" in page
    assert escalation_state(bot)[0] == "active"


@pytest.mark.parametrize("rules", ["[email 0]"])
def test_an_expired_link_says_so(bot, sandbox, fakes):
    raise_alert(sandbox, bot)
    mail = wait_until(lambda: fakes.smtp.to("alice@example.com"))[0]
    link = re.search(r"(http://\S+/ack/\S+)", mail.get_content()).group(1)
    later(bot, 25 * 60)   # past notify.ack_link_ttl (24h)
    status, page = http(link, "POST")
    assert status == 410 and "expired" in page
    assert escalation_state(bot)[0] != "acknowledged"


@pytest.mark.parametrize("rules", ["[ntfy 0, pushover 3m]"])
def test_the_ntfy_button_acknowledges_from_the_phone(bot, sandbox, fakes):
    raise_alert(sandbox, bot)
    push = wait_until(lambda: fakes.ntfy.to("alice-pages"))[0]
    assert fakes.ntfy.press(push, "Acknowledge") == 200
    assert acked_by_alice(bot, sandbox)
    assert states(bot)["pushover"] == "stopped"
    assert ("ntfy", "acknowledged") in history(bot)


@pytest.mark.parametrize("rules", ["[pushover 0, sms 5m]"])
def test_a_pushover_emergency_receipt_is_polled_until_acknowledged(bot, sandbox, fakes):
    raise_alert(sandbox, bot)
    message = wait_until(lambda: fakes.pushover.messages)[0]
    assert message.priority == 2 and message.receipt
    fakes.pushover.acknowledge(message.receipt)
    wait_until(lambda: acked_by_alice(bot, sandbox), timeout=15, message="the receipt was never polled")
    assert fakes.pushover.too_soon == 0, "polled faster than Pushover allows"
    assert states(bot)["sms"] == "stopped"
    assert ("pushover", "acknowledged") in history(bot)


@pytest.mark.parametrize("rules", ["[sms 0]"])
def test_an_sms_reply_acknowledges_and_a_forged_one_is_refused(bot, sandbox, fakes):
    alert_id = raise_alert(sandbox, bot)
    wait_until(lambda: fakes.twilio.sms)
    hook = bot.bot.web.public_url + "/twilio/sms"
    status, answer = fakes.twilio.reply_sms(hook, ALICE_PHONE, "ACK", token="not-the-auth-token")
    assert status == 403 and escalation_state(bot)[0] == "active"
    status, answer = fakes.twilio.reply_sms(hook, ALICE_PHONE, "hello?")
    assert status == 200 and "Reply 1 or ACK" in answer and escalation_state(bot)[0] == "active"
    status, answer = fakes.twilio.reply_sms(hook, ALICE_PHONE, "ack")
    assert status == 200 and answer.startswith('<?xml') and f"Acknowledged Alert #{alert_id}" in answer
    assert acked_by_alice(bot, sandbox)
    status, answer = fakes.twilio.reply_sms(hook, "+14155550199", "1")
    assert status == 200 and "no page waiting" in answer


@pytest.mark.parametrize("rules", ["[voice 0]"])
def test_a_keypress_acknowledges_and_a_forged_one_is_refused(bot, sandbox, fakes):
    raise_alert(sandbox, bot)
    call = wait_until(lambda: fakes.twilio.calls)[0]
    wait_until(lambda: states(bot).get("voice") == "sent")
    status, _ = fakes.twilio.press(call, "1", token="forged")
    assert status == 403 and escalation_state(bot)[0] == "active"
    status, answer = fakes.twilio.press(call, "7")
    assert status == 200 and "does nothing" in answer and escalation_state(bot)[0] == "active"
    status, answer = fakes.twilio.press(call, "1")
    assert status == 200 and "<Say>Acknowledged" in answer and "<Hangup/>" in answer
    assert acked_by_alice(bot, sandbox)
    assert ("voice", "acknowledged") in history(bot)


@pytest.mark.parametrize("rules", ["[slack 0, sms 2m]"])
def test_pages_due_together_go_as_one_sms_and_one_reply_acknowledges_them_all(bot, sandbox, fakes):
    first = raise_alert(sandbox, bot, "Checkout 5xx above 5%")
    second = raise_alert(sandbox, bot, "Payments queue backing up")
    later(bot, 3)                     # both SMS steps fall due at the same moment
    wait_until(lambda: fakes.twilio.sms)
    wait_until(lambda: bot.query("SELECT count(*) FROM notifications WHERE method = 'sms' AND state = 'sent'")[0][0] == 2,
               message="the second page's SMS was never attempted")
    [sms] = fakes.twilio.sms
    assert f"Alert #{first}" in sms.body and "(+1 more)" in sms.body, sms.body
    carried = bot.query("SELECT l.detail FROM notification_log l JOIN notifications n ON n.id = l.notification_id "
                        "WHERE n.method = 'sms' AND l.outcome = 'sent' ORDER BY l.id")
    assert len(carried) == 2 and "with notification" in carried[1][0]
    status, answer = fakes.twilio.reply_sms(bot.bot.web.public_url + "/twilio/sms", ALICE_PHONE, "1")
    assert status == 200 and f"Acknowledged Alert #{first}: Checkout 5xx above 5%, and the 1 more page the same " \
        "message carried." in answer, "the answer names the page the SMS named, and the one it carried"
    assert bot.query("SELECT id, state, acked_by FROM escalations ORDER BY id") == [
        (1, "acknowledged", sandbox.user("alice")["id"]), (2, "acknowledged", sandbox.user("alice")["id"])]
    assert bot.query("SELECT e.subject_id FROM escalations e ORDER BY e.id") == [(first,), (second,)]


@pytest.mark.parametrize("rules", ["[slack 0, email 2m]"])
def test_a_link_whose_own_page_was_answered_still_says_it_answers_the_pages_it_carried(bot, sandbox, fakes):
    """One mail carried two pages; bob acknowledged the first in Slack meanwhile. The link's page said only
    'bob already acknowledged it', so alice closed it while the second kept escalating; pressing the button
    answered 'Already acknowledged' although it had just acknowledged the second."""
    first = raise_alert(sandbox, bot, "Checkout 5xx above 5%")
    raise_alert(sandbox, bot, "Payments queue backing up")
    later(bot, 3)
    mail = wait_until(lambda: fakes.smtp.to("alice@example.com"))[0]
    assert "(+1 more)" in mail["Subject"]
    bob = bot.bot.deps.actor(sandbox.user("bob")["id"])
    bot.run(lambda: bot.bot.domain.alerts.accept(first, bob))   # on the bot's loop, where its database connection is used
    link = re.search(r"(http://\S+/ack/\S+)", mail.get_content()).group(1)
    status, page = http(link)
    assert status == 200 and "@bob already acknowledged it." in page
    assert "The same message carried 1 more page for you, still waiting for an answer: the button acknowledges it." in page
    status, page = http(link, "POST")
    assert status == 200 and "<h1>Acknowledged</h1>" in page and "@bob acknowledged it first" in page
    assert "You also acknowledged the 1 more page the same message carried: its escalation stopped." in page
    assert bot.query("SELECT state, acked_by FROM escalations ORDER BY id") == [
        ("acknowledged", sandbox.user("bob")["id"]), ("acknowledged", sandbox.user("alice")["id"])]
