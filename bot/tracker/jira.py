"""Jira Cloud over REST v3: POST /rest/api/3/issue with an ADF description, and JQL searches
(POST /rest/api/3/search/jql, nextPageToken pages) to read many tickets' status at once and to find one
filed before a crash. Basic auth with the account's email and API token."""

from __future__ import annotations

import base64
import re
from typing import Any

import aiohttp

from bot.notify.http import reach
from bot.tracker.client import TIMEOUT, NewTicket, Refused, carries, judge, read_json
from kernel.tickets import Ticket, TicketRef, TicketState

NAME = "Jira"
PAGE = 50
FIND_PAGES = 3
_URL = re.compile(r"(https?://\S+)")


class JiraClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, project: str, issue_type: str, email: str,
                 token: str) -> None:
        self.session = session
        self.url = url
        self.project = project
        self.issue_type = issue_type
        basic = base64.b64encode(f"{email}:{token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {basic}", "Accept": "application/json",
                        "Content-Type": "application/json"}

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async def call() -> Any:
            async with self.session.request(method, self.url + path, headers=self.headers, json=body,
                                            timeout=TIMEOUT) as response:
                data = await read_json(response)
                judge(NAME, response.status, response.headers, _message(data))
                return data
        return await reach(NAME, call)

    async def create(self, ticket: NewTicket) -> TicketRef:
        fields: dict[str, Any] = {"project": {"key": self.project}, "issuetype": {"name": self.issue_type},
                                  "summary": ticket.title[:255], "description": adf(ticket.body),
                                  "labels": list(ticket.labels)}
        if ticket.assignee:
            fields["assignee"] = {"accountId": ticket.assignee}
        data = await self._call("POST", "/rest/api/3/issue", {"fields": fields})
        return self._ref(data)

    async def _search(self, jql: str, fields: list[str], pages: int | None = None):
        token: str | None = None
        page = 0
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": PAGE}
            if token:
                body["nextPageToken"] = token
            data = await self._call("POST", "/rest/api/3/search/jql", body)
            for issue in data.get("issues") or []:
                yield issue
            token = data.get("nextPageToken")
            page += 1
            if data.get("isLast", token is None) or not token or (pages is not None and page >= pages):
                return

    async def find(self, marker: str) -> TicketRef | None:
        jql = f'project = "{self.project}" ORDER BY created DESC'
        async for issue in self._search(jql, ["description"], FIND_PAGES):
            if carries(_adf_text((issue.get("fields") or {}).get("description")), marker):
                return self._ref(issue)
        return None

    async def states(self, tickets: list[Ticket]) -> dict[int, TicketState]:
        by_id = {t.remote_id: t.followup_id for t in tickets if t.remote_id}
        if not by_id:
            return {}
        states = dict.fromkeys(by_id.values(), TicketState.GONE)   # what the search does not return is gone
        jql = f"id in ({', '.join(sorted(by_id))})"
        try:
            async for issue in self._search(jql, ["status"]):
                if issue.get("id") in by_id:
                    states[by_id[issue["id"]]] = _state(issue)
        except Refused as exc:
            if exc.status != 400:
                raise
            # JQL refuses the whole query when one id no longer exists: read them one by one instead
            for remote_id, followup_id in by_id.items():
                try:
                    states[followup_id] = _state(await self._call("GET", f"/rest/api/3/issue/{remote_id}?fields=status"))
                except Refused as missing:
                    if missing.status != 404:
                        raise
        return states

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        return TicketRef(issue["key"], str(issue["id"]), f"{self.url}/browse/{issue['key']}")


def _state(issue: dict[str, Any]) -> TicketState:
    category = ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
    return TicketState.CLOSED if category.get("key") == "done" else TicketState.OPEN


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document: a paragraph per line, its URLs as links."""
    paragraphs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        content = []
        for part in _URL.split(line):
            if not part:
                continue
            node: dict[str, Any] = {"type": "text", "text": part}
            if _URL.fullmatch(part):
                node["marks"] = [{"type": "link", "attrs": {"href": part}}]
            content.append(node)
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _adf_text(node: Any) -> str:
    if isinstance(node, dict):
        return (node.get("text") or "") + "".join(_adf_text(child) for child in node.get("content") or [])
    return ""


def _message(data: Any) -> str:
    if isinstance(data, dict):
        parts = list(data.get("errorMessages") or []) + [f"{k}: {v}" for k, v in (data.get("errors") or {}).items()]
        return "; ".join(str(p) for p in parts)
    return ""
