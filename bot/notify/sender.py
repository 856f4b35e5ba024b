"""The handlers of pages beyond Slack (``notify.send``, ``notify.poll``, ``notify.cancel``): send one
notification its way, and tell the domain what happened. The effect runner retries a passing failure
with backoff; after ``notify.attempts`` tries the domain gives up on that way and brings the next one
forward, so nothing is silently lost."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping

import aiohttp

from bot.config import Config
from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.logs import get_logger
from bot.notify import ntfy, pushover, smtp, twilio, webhook
from bot.notify.content import Subjects
from bot.notify.http import LazySession
from bot.notify.links import make_token
from bot.paging.notify import Notifier
from bot.text import Texts
from kernel.notify import Notification
from kernel.outbox import Effect

log = get_logger("warroom.notify")
PAGE = "notify/page"
DndCheck = Callable[[str], Awaitable["str | None"]]     # a reason the person is not to be disturbed, or None


class Skip(Exception):
    """Not sent, on purpose (Do Not Disturb): the next way goes now."""


class NotifySender:
    def __init__(self, notifier: Notifier, config: Config, subjects: Subjects, texts: Texts, *,
                 environ: Mapping[str, str], link_key: str, public_url: Callable[[], str],
                 dnd: DndCheck | None = None) -> None:
        self.notifier = notifier
        self.config = config
        self.settings = config.notify
        self.subjects = subjects
        self.texts = texts
        self.environ = environ
        self.link_key = link_key
        self.public_url = public_url
        self.dnd = dnd
        self._sessions = LazySession(limit=64)

    @property
    def handlers(self) -> dict[str, Callable[[Effect], Awaitable[dict | None]]]:
        return {"notify.send": self.send, "notify.poll": self.poll, "notify.cancel": self.cancel}

    @property
    def session(self) -> aiohttp.ClientSession:
        return self._sessions.get()

    async def close(self) -> None:
        await self._sessions.close()

    def _secret(self, name: str | None) -> str | None:
        return self.environ.get(name) if name else None

    def ack_url(self, notification: Notification) -> str:
        expires = self.notifier.clock.time() + self.settings.ack_link_ttl.total_seconds()
        return f"{self.public_url()}/ack/{make_token(self.link_key, notification.id, expires)}"

    # notify.send -------------------------------------------------------------------------------
    async def send(self, effect: Effect) -> dict | None:
        notification_id = int(effect.payload["notification"])
        notification = self.notifier.begin(notification_id, resumed=effect.maybe_performed)
        if notification is None:
            return {"sent": False}
        try:
            detail, receipt, poll = await self._deliver(notification, more=len(self.notifier.bundle(notification_id)))
        except Skip as exc:
            self.notifier.skipped(notification_id, str(exc))
            return {"skipped": str(exc)}
        except NotReady:
            self.notifier.not_yet(notification_id)
            raise
        except RetryLater as exc:
            if effect.attempts + 1 >= self.settings.attempts:
                self.notifier.failed(notification_id, f"{exc.reason} (gave up after {effect.attempts + 1} attempts)")
                return {"failed": exc.reason}
            self.notifier.retrying(notification_id, exc.reason)
            raise
        except Permanent as exc:
            self.notifier.failed(notification_id, exc.reason)
            return {"failed": exc.reason}
        self.notifier.sent(notification_id, detail, receipt, poll_after=poll)
        return {"sent": True}

    async def _deliver(self, n: Notification, *, more: int = 0) -> tuple[str, str | None, float | None]:
        """(what the history shows, the provider's receipt or id, seconds until a receipt poll); ``more``:
        the other pages this delivery carries."""
        contact = self.notifier.contact(n.user)
        subject = self.subjects.of(n)
        urgent = n.priority != "low"
        words: dict[str, Any] = {"subject": subject, "test": n.test, "more": more}
        if n.method == "slack":
            reason = await self.dnd(n.user) if self.dnd else None
            if reason:
                raise Skip(reason)
            return "Slack DM", None, None
        ack_url = self.ack_url(n)
        words["ack_url"] = ack_url
        if n.method == "ntfy":
            settings = self.settings.ntfy
            assert settings and contact.ntfy_topic
            message_id = await ntfy.publish(
                self.session, settings, self._secret(settings.token_env), topic=contact.ntfy_topic,
                title=self.texts.plain(PAGE, "title", **words), message=self.texts.plain(PAGE, "push", **words),
                urgent=urgent, ack_url=ack_url, ack_label=self.texts.plain(PAGE, "ack_button", **words),
                open_label=self.texts.plain(PAGE, "open_button", **words))
            return f"ntfy topic {contact.ntfy_topic}", message_id, None
        if n.method == "pushover":
            settings = self.settings.pushover
            assert settings and contact.pushover_user
            receipt = await pushover.send(
                self.session, settings, self._secret(settings.token_env) or "", user_key=contact.pushover_user,
                title=self.texts.plain(PAGE, "title", **words), message=self.texts.plain(PAGE, "push", **words),
                urgent=urgent, url=ack_url, url_title=self.texts.plain(PAGE, "ack_button", **words))
            return ("Pushover emergency priority" if receipt else "Pushover"), receipt, (settings.poll if receipt else None)
        if n.method in ("sms", "voice"):
            settings = self.settings.twilio
            assert settings
            sid, token = self._secret(settings.account_sid_env) or "", self._secret(settings.auth_token_env) or ""
            if n.method == "sms":
                assert contact.sms
                message_sid = await twilio.send_sms(self.session, settings, sid, token, to=contact.sms,
                                                    body=self.texts.plain(PAGE, "sms", **words))
                return f"SMS to {contact.sms}", message_sid, None
            assert contact.voice
            twiml = twilio.gather_twiml(self.texts.plain(PAGE, "voice", **words),
                                        f"{self.public_url()}/twilio/gather?n={n.id}",
                                        self.texts.plain(PAGE, "voice_no_input", **words))
            call_sid = await twilio.call(self.session, settings, sid, token, to=contact.voice, twiml=twiml)
            return f"call to {contact.voice}", call_sid, None
        if n.method == "email":
            settings = self.settings.email
            if settings is None or not contact.email:
                raise Permanent("email: no SMTP server configured (notify.email)")
            message = smtp.build(settings, to=contact.email, subject=self.texts.plain(PAGE, "email_subject", **words),
                                 body=self.texts.plain(PAGE, "body", **words), notification_id=n.id)
            await smtp.send(settings, self._secret(settings.username_env), self._secret(settings.password_env), message)
            return f"email to {contact.email}", str(message["Message-ID"]), None
        if n.method == "webhook":
            assert contact.webhook_url
            secret = self._secret(contact.webhook_secret_env) or ""
            await webhook.deliver(self.session, contact.webhook_url, secret, message_id=f"warroom-notification-{n.id}",
                                  data={"notification": n.id, "user": n.user, "test": n.test, "kind": subject.kind,
                                        "id": subject.id, "title": subject.title, "level": subject.level,
                                        "details": subject.details, "acknowledge_url": ack_url, "more_pages": more})
            return "webhook", None, None
        raise Permanent(f"no way to send by {n.method!r}")

    # notify.poll / notify.cancel ------------------------------------------------------------------
    async def poll(self, effect: Effect) -> dict | None:
        """Has anyone acknowledged the Pushover emergency notification? Asked again until they have, it
        expires, or the page is answered some other way."""
        notification_id = int(effect.payload["notification"])
        receipt = self.notifier.pending_receipt(notification_id)
        settings = self.settings.pushover
        if receipt is None or settings is None:
            return {"polled": False}
        answer = await pushover.receipt(self.session, settings, self._secret(settings.token_env) or "", receipt)
        if answer.acknowledged:
            self.notifier.acknowledge(notification_id, "Pushover")
            return {"acknowledged": True}
        if answer.expired:
            self.notifier.expired(notification_id, "Pushover stopped re-alerting: nobody acknowledged it there")
            return {"expired": True}
        self.notifier.poll_again(notification_id, settings.poll)
        return {"acknowledged": False}

    async def cancel(self, effect: Effect) -> dict | None:
        notification_id = int(effect.payload["notification"])
        notification = self.notifier.store.get(notification_id)
        settings = self.settings.pushover
        if notification is None or not notification.receipt or settings is None:
            return None
        await pushover.cancel(self.session, settings, self._secret(settings.token_env) or "", notification.receipt)
        return {"cancelled": True}
