"""Linear over GraphQL: the issueCreate mutation, and issues(filter:) with cursor pages to read many
tickets' state at once and to find one filed before a crash. Errors arrive as GraphQL errors, often
with HTTP 200 or 400: each answer's ``errors`` is read, whatever its status."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bot.effects.errors import RetryLater
from bot.notify.http import reach
from bot.tracker.client import DEFAULT_WAIT, TIMEOUT, NewTicket, Refused, carries, judge, read_json
from kernel.tickets import Ticket, TicketRef, TicketState

NAME = "Linear"
PAGE = 50
DONE = ("completed", "canceled")
AUTH_CODES = ("AUTHENTICATION_ERROR", "FORBIDDEN")

CREATE = """mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
ISSUES = """query Issues($filter: IssueFilter, $first: Int, $after: String) {
  issues(filter: $filter, first: $first, after: $after) {
    nodes { id identifier url state { type } }
    pageInfo { hasNextPage endCursor }
  }
}"""
FOUND = """query Found($filter: IssueFilter, $first: Int, $after: String) {
  issues(filter: $filter, first: $first, after: $after) {
    nodes { id identifier url description }
    pageInfo { hasNextPage endCursor }
  }
}"""


class LinearClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, team: str, key: str) -> None:
        self.session = session
        self.url = url
        self.team = team
        self.headers = {"Authorization": key, "Content-Type": "application/json"}   # a personal key: no Bearer

    async def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        async def call() -> dict[str, Any]:
            async with self.session.post(self.url + "/graphql", json={"query": query, "variables": variables},
                                         headers=self.headers, timeout=TIMEOUT) as response:
                data = await read_json(response)
                errors = (data or {}).get("errors") if isinstance(data, dict) else None
                if errors:
                    _raise(response.status, response.headers, errors)
                judge(NAME, response.status, response.headers, "")
                return (data or {}).get("data") or {}
        return await reach(NAME, call)

    async def create(self, ticket: NewTicket) -> TicketRef:
        data: dict[str, Any] = {"teamId": self.team, "title": ticket.title, "description": ticket.body}
        if ticket.labels:
            data["labelIds"] = list(ticket.labels)
        if ticket.assignee:
            data["assigneeId"] = ticket.assignee
        result = (await self._query(CREATE, {"input": data})).get("issueCreate") or {}
        if not result.get("success") or not result.get("issue"):
            raise Refused(NAME, 200, "issueCreate did not succeed")
        return _ref(result["issue"])

    async def _issues(self, filter: dict[str, Any], pages: int | None = None, query: str = ISSUES):
        after: str | None = None
        for _ in range(pages or 10_000):
            found = (await self._query(query, {"filter": filter, "first": PAGE, "after": after})).get("issues") or {}
            for node in found.get("nodes") or []:
                yield node
            info = found.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")

    async def find(self, marker: str) -> TicketRef | None:
        async for issue in self._issues({"team": {"id": {"eq": self.team}}, "description": {"contains": marker}},
                                        pages=1, query=FOUND):
            if carries(issue.get("description") or "", marker):
                return _ref(issue)
        return None

    async def states(self, tickets: list[Ticket]) -> dict[int, TicketState]:
        by_id = {t.remote_id: t.followup_id for t in tickets if t.remote_id}
        if not by_id:
            return {}
        states = dict.fromkeys(by_id.values(), TicketState.GONE)
        async for issue in self._issues({"id": {"in": sorted(by_id)}}):
            if issue.get("id") in by_id:
                done = ((issue.get("state") or {}).get("type")) in DONE
                states[by_id[issue["id"]]] = TicketState.CLOSED if done else TicketState.OPEN
        return states


def _ref(issue: dict[str, Any]) -> TicketRef:
    return TicketRef(issue["identifier"], issue["id"], issue["url"])


def _raise(status: int, headers: Any, errors: list[dict[str, Any]]) -> None:
    first = errors[0] if errors else {}
    extensions = first.get("extensions") or {}
    code = str(extensions.get("code") or "")
    message = extensions.get("userPresentableMessage") or first.get("message") or "GraphQL error"
    if code == "RATELIMITED" or status == 429:
        reset = headers.get("X-RateLimit-Requests-Reset")     # epoch milliseconds
        wait = DEFAULT_WAIT
        if reset and reset.isdigit():
            wait = max(1.0, int(reset) / 1000 - time.time())
        raise RetryLater(f"{NAME}: rate limited (HTTP {status})", wait)
    if status >= 500:
        raise RetryLater(f"{NAME}: HTTP {status} {message}")
    raise Refused(NAME, 401 if code in AUTH_CODES else (status if status >= 400 else 400), f"{code} {message}".strip())
