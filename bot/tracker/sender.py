"""The handlers of the ``tracker.*`` effects: file a follow-up's ticket, and read open tickets to see
which were closed. The tracker's answers go back to the domain (``bot.incidents.tickets``).

Filing is not idempotent in any of the three APIs (none takes an idempotency key), so the ticket's
row and its marker are committed before the first attempt, and every later attempt of the effect
(``maybe_performed``: a crash, a timeout, a 5xx after the tracker may have acted) first looks for a
ticket whose body carries the marker among the newest ones, and adopts it instead of filing again.
"""

from __future__ import annotations

import aiohttp

from typing import Awaitable, Callable, Mapping

from bot.config.tracker import TrackerSettings
from bot.effects.errors import RetryLater
from bot.incidents.tickets import FollowupTickets, TicketRequest
from bot.logs import get_logger
from bot.notify.http import LazySession
from bot.slack.parsing import to_plain
from bot.text import Texts
from bot.tracker.client import NewTicket, Refused, TrackerClient
from bot.tracker.github import GitHubClient
from bot.tracker.jira import JiraClient
from bot.tracker.linear import LinearClient
from kernel.outbox import Effect

log = get_logger("warroom.tracker")
TICKET = "tracker/ticket"
MAX_ATTEMPTS = 20        # about an hour of backing off (the runner's backoff tops out at 5 minutes)
POLL_BATCH = 50          # tickets read per poll; the longest unread first, the rest at the next one
NameOf = Callable[[str], "str | None"]


def tracker_client(s: TrackerSettings, session: aiohttp.ClientSession, environ: Mapping[str, str]) -> TrackerClient:
    """The client for the configured tracker; its credentials read now (a fixed token needs no restart)."""
    secrets = [environ.get(name, "") for name in s.credentials]
    if s.kind == "github":
        return GitHubClient(session, s.url, s.where, *secrets)
    if s.kind == "jira":
        return JiraClient(session, s.url, s.where, s.issue_type, *secrets)
    return LinearClient(session, s.url, s.where, *secrets)


class TrackerSender:
    def __init__(self, tickets: FollowupTickets, settings: TrackerSettings | None, texts: Texts, *,
                 environ: Mapping[str, str], public_url: Callable[[], str], name_of: NameOf) -> None:
        self.tickets = tickets
        self.settings = settings
        self.texts = texts
        self.environ = environ
        self.public_url = public_url
        self.name_of = name_of
        self.session = LazySession(limit=8)

    @property
    def handlers(self) -> dict[str, Callable[[Effect], Awaitable[dict | None]]]:
        return {"tracker.file": self.file, "tracker.poll": self.poll}

    @property
    def failure_hooks(self) -> dict[str, Callable[[Effect, str], None]]:
        return {"tracker.file": self.gave_up}

    def gave_up(self, effect: Effect, reason: str) -> None:
        """The runner gave up on a tracker.file (a bug that kept failing): say so as a refusal would, so the
        follow-up does not show "Filing…" for ever and Create ticket can ask again."""
        request = self.tickets.to_file(int(effect.payload["followup"]))
        if request is not None:
            self.tickets.failed(request, reason)

    async def close(self) -> None:
        await self.session.close()

    def client(self) -> TrackerClient:
        assert self.settings is not None
        return tracker_client(self.settings, self.session.get(), self.environ)

    # tracker.file --------------------------------------------------------------------------------
    async def file(self, effect: Effect) -> dict | None:
        request = self.tickets.to_file(int(effect.payload["followup"]))
        if request is None:
            return {"filed": False}
        if self.settings is None:   # the tracker was taken out of the config since it was asked
            self.tickets.failed(request, "no tracker is configured (tracker: in warroom.yml)")
            return {"failed": "no tracker"}
        client = self.client()
        try:
            again = effect.maybe_performed or request.ticket.error is not None
            found = await client.find(request.ticket.marker) if again else None
            filed = found or await client.create(self.new_ticket(request))
        except Refused as exc:
            log.warning("tracker.refused", followup=request.followup.id, tracker=self.settings.kind, status=exc.status)
            self.tickets.failed(request, exc.reason)
            return {"failed": exc.reason}
        except RetryLater as exc:
            if effect.attempts + 1 >= MAX_ATTEMPTS:
                self.tickets.failed(request, f"{exc.reason} (gave up after {effect.attempts + 1} attempts)")
                return {"failed": exc.reason}
            raise
        self.tickets.filed(request, filed)
        return {"ref": filed.ref, "found_again": found is not None}

    def new_ticket(self, request: TicketRequest) -> NewTicket:
        assert self.settings is not None
        followup, incident = request.followup, request.incident
        text = to_plain(followup.text, name_of=self.name_of)
        owner = self.name_of(followup.owner) if followup.owner else None
        base = self.public_url().rstrip("/")
        words = dict(text=text, owner_name=owner, incident=incident, marker=request.ticket.marker,
                     incident_url=f"{base}/incidents/{incident.id}" if base else None)
        return NewTicket(title=self.texts.plain(TICKET, "title", **words).strip()[:250],
                         body=self.texts.plain(TICKET, "body", **words).strip(), marker=request.ticket.marker,
                         labels=self.settings.labels, assignee=self.settings.assignees.get(followup.owner or ""))

    # tracker.poll --------------------------------------------------------------------------------
    async def poll(self, effect: Effect) -> dict | None:
        if self.settings is None:
            return {"polled": 0}
        batch = self.tickets.to_poll(POLL_BATCH)
        if not batch:
            return {"polled": 0}
        try:
            states = await self.client().states(batch)
        except Refused as exc:   # the next poll tries again; filing says it loudly, polling only logs
            log.warning("tracker.poll_refused", tracker=self.settings.kind, reason=exc.reason)
            return {"refused": exc.reason}
        done = self.tickets.read(states)
        return {"polled": len(states), "done": done}
