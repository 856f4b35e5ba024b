"""Raising an alert as a person does, reading what a page became, and moving time."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes.server import wait_until


def raise_alert(sandbox, bot, summary: str = "Checkout 5xx above 5%", details: str = "") -> int:
    """dave (not a listed user) raises in #general, the ops source's channel, at its priority."""
    person = sandbox.as_user("dave")
    assert person.command("/il-alert", "", channel="general").ack == {}
    sandbox.wait_for(person.view, message="alert form never opened")
    result = person.submit_view({"summary": summary, **({"details": details} if details else {})})
    assert result.ack == {}, result.errors
    wait_until(lambda: bot.query("SELECT count(*) FROM notifications")[0][0], message="nothing was planned")
    return bot.query("SELECT max(id) FROM alerts")[0][0]


def later(bot, minutes: float) -> None:
    """Move the bot's clock; what falls due goes now."""
    bot.advance(timedelta(minutes=minutes))
    bot.bot.runner.kick()


def states(bot) -> dict[str, str]:
    return dict(bot.query("SELECT method, state FROM notifications WHERE page_id IS NOT NULL ORDER BY id"))


def history(bot) -> list[tuple[str, str]]:
    return bot.query("SELECT n.method, l.outcome FROM notification_log l JOIN notifications n "
                     "ON n.id = l.notification_id ORDER BY l.id")


def escalation_state(bot) -> tuple[str, str | None]:
    return tuple(bot.query("SELECT state, acked_by FROM escalations ORDER BY id DESC LIMIT 1")[0])


def page_text(sandbox, user: str = "alice") -> str:
    channel = sandbox.dm_channel(sandbox.user(user)["id"])
    messages = sandbox.messages(channel) if channel else []
    return sandbox.render(messages[-1]) if messages else ""
