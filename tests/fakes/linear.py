"""A fake Linear GraphQL API at POST /graphql: the issueCreate mutation and the issues(filter:) query
warroom sends (recognised by their fields, not parsed as GraphQL), cursor pages, the personal API key
in Authorization with no "Bearer", and errors as Linear gives them: HTTP 400 with
{"errors": [{"message", "extensions": {"code", "type", "userPresentableMessage"}}], "data": null}.
Tests close an issue with :meth:`close`."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer


@dataclass
class LinearIssue:
    id: str
    identifier: str
    title: str
    description: str
    label_ids: list[str]
    assignee_id: str | None
    state_type: str = "unstarted"     # backlog | unstarted | started | completed | canceled


class FakeLinear(FakeServer):
    def __init__(self, key: str, team_id: str, team_key: str = "ENG") -> None:
        super().__init__()
        self.key = key
        self.team_id = team_id
        self.team_key = team_key
        self.issues: list[LinearIssue] = []
        self._issues_lock = threading.Lock()

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/graphql", self.graphql)]

    def error_body(self, status: int) -> Any:
        return {"errors": [{"message": "injected", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}], "data": None}

    def close(self, identifier: str, state: str = "completed") -> None:
        next(i for i in self.issues if i.identifier == identifier).state_type = state

    def _error(self, code: str, message: str, status: int = 400, kind: str = "invalid input") -> web.Response:
        return web.json_response({"errors": [{"message": message, "extensions": {
            "code": code, "type": kind, "userPresentableMessage": message}}], "data": None}, status=status)

    def _json(self, issue: LinearIssue) -> dict[str, Any]:
        return {"id": issue.id, "identifier": issue.identifier, "title": issue.title,
                "url": f"{self.url}/{self.team_key.lower()}/issue/{issue.identifier}", "description": issue.description,
                "state": {"name": issue.state_type.capitalize(), "type": issue.state_type}}

    async def graphql(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != self.key:
            return self._error("AUTHENTICATION_ERROR", "Authentication required, not authenticated",
                               kind="authentication error")
        try:
            body = json.loads(await request.text())
        except ValueError:
            return self._error("GRAPHQL_PARSE_FAILED", "Body is not JSON")
        query, variables = body.get("query") or "", body.get("variables") or {}
        if "issueCreate(" in query:
            return self._create(variables.get("input") or {})
        if "issues(" in query:
            return self._issues(variables)
        return self._error("GRAPHQL_VALIDATION_FAILED", "The fake knows issueCreate and issues only")

    def _create(self, data: dict[str, Any]) -> web.Response:
        if data.get("teamId") != self.team_id:
            return self._error("INVALID_INPUT", "Entity not found: Team - Could not find referenced Team.")
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            return self._error("INVALID_INPUT", "Argument Validation Error - title should not be empty")
        with self._issues_lock:
            issue = LinearIssue(str(uuid.uuid4()), f"{self.team_key}-{len(self.issues) + 1}", data["title"],
                                data.get("description") or "", list(data.get("labelIds") or []), data.get("assigneeId"))
            self.issues.append(issue)
        return web.json_response({"data": {"issueCreate": {"success": True, "issue": self._json(issue)}}})

    def _issues(self, variables: dict[str, Any]) -> web.Response:
        where = variables.get("filter") or {}
        found = list(self.issues)
        if "id" in where:
            wanted = set((where["id"] or {}).get("in") or [])
            found = [i for i in found if i.id in wanted]
        if "team" in where and ((where["team"].get("id") or {}).get("eq")) != self.team_id:
            found = []
        if "description" in where:
            needle = (where["description"] or {}).get("contains") or ""
            found = [i for i in found if needle in i.description]
        first = min(int(variables.get("first") or 50), 250)
        start = int(variables.get("after") or 0)
        page = found[start:start + first]
        more = start + first < len(found)
        return web.json_response({"data": {"issues": {
            "nodes": [self._json(i) for i in page],
            "pageInfo": {"hasNextPage": more, "endCursor": str(start + len(page)) if page else None}}}})
