"""GitHub Issues over REST: POST /repos/{owner}/{repo}/issues, GET one issue, and the repository's issues
newest first (Link-header pages) to find one filed before a crash."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from bot.notify.http import reach
from bot.tracker.client import TIMEOUT, NewTicket, carries, judge, read_json
from kernel.tickets import Ticket, TicketRef, TicketState

NAME = "GitHub"
FIND_PAGES = 3           # of 100: a ticket filed moments before a crash is among the newest
POLL_RESERVE = 100       # requests of the hour's budget the poll leaves to everything else
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, repo: str, token: str) -> None:
        self.session = session
        self.url = url
        self.repo = repo
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "warroom"}

    async def _call(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any, Any]:
        async def call() -> tuple[int, Any, Any]:
            async with self.session.request(method, url, headers=self.headers, timeout=TIMEOUT, **kwargs) as response:
                data = await read_json(response)
                if response.status not in (404, 410):
                    judge(NAME, response.status, response.headers, _message(data))
                return response.status, data, response.headers
        return await reach(NAME, call)

    async def create(self, ticket: NewTicket) -> TicketRef:
        body: dict[str, Any] = {"title": ticket.title, "body": ticket.body, "labels": list(ticket.labels)}
        if ticket.assignee:
            body["assignees"] = [ticket.assignee]
        status, data, _ = await self._call("POST", f"{self.url}/repos/{self.repo}/issues", json=body)
        if status in (404, 410):
            judge(NAME, status, {}, _message(data))   # no such repository, or its issues are off
        return self._ref(data)

    async def find(self, marker: str) -> TicketRef | None:
        url: str | None = f"{self.url}/repos/{self.repo}/issues"
        params: dict[str, Any] | None = {"state": "all", "sort": "created", "direction": "desc", "per_page": 100}
        for _ in range(FIND_PAGES):
            if url is None:
                break
            status, data, headers = await self._call("GET", url, params=params)
            if status in (404, 410):
                judge(NAME, status, {}, _message(data))
            for issue in data or []:
                if "pull_request" not in issue and carries(issue.get("body") or "", marker):
                    return self._ref(issue)
            match = _NEXT.search(headers.get("Link", ""))
            url, params = (match.group(1), None) if match else (None, None)
        return None

    async def states(self, tickets: list[Ticket]) -> dict[int, TicketState]:
        """One GET per issue (GitHub has no batch read by number), stopping while the hour's budget is low."""
        states: dict[int, TicketState] = {}
        for ticket in tickets:
            status, data, headers = await self._call("GET", f"{self.url}/repos/{self.repo}/issues/{ticket.remote_id}")
            if status in (404, 410):
                states[ticket.followup_id] = TicketState.GONE
            else:
                states[ticket.followup_id] = TicketState.CLOSED if data.get("state") == "closed" else TicketState.OPEN
            if int(headers.get("x-ratelimit-remaining") or POLL_RESERVE + 1) <= POLL_RESERVE:
                break
        return states

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(f"{self.repo}#{issue['number']}", str(issue["number"]), issue["html_url"])


def _message(data: Any) -> str:
    if isinstance(data, dict):
        errors = data.get("errors") or []
        detail = "; ".join(f"{e.get('field')} {e.get('code')}" for e in errors if isinstance(e, dict))
        return f"{data.get('message') or ''}{': ' + detail if detail else ''}"
    return ""
