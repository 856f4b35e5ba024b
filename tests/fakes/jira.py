"""A fake Jira Cloud REST v3: POST /rest/api/3/issue (ADF description, field validation with Jira's
{"errorMessages", "errors"} shape), GET /rest/api/3/issue/{idOrKey}, and POST /rest/api/3/search/jql
for the two JQL forms warroom sends (``id in (…)`` and ``project = "KEY" ORDER BY created DESC``) with
nextPageToken pages. Basic auth with email:api_token. Tests close an issue with :meth:`close`."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

ISSUE_TYPES = ("Task", "Bug", "Story", "Incident")


@dataclass
class JiraIssue:
    id: str
    key: str
    summary: str
    description: dict[str, Any]
    labels: list[str]
    assignee: str | None
    issue_type: str
    status: str = "To Do"
    category: str = "new"           # new | indeterminate | done


class FakeJira(FakeServer):
    def __init__(self, email: str, token: str, project: str) -> None:
        super().__init__()
        self.auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self.project = project
        self.issues: list[JiraIssue] = []
        self.searches: list[dict[str, Any]] = []
        self._issues_lock = threading.Lock()

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/rest/api/3/issue", self.create), web.get("/rest/api/3/issue/{key}", self.get),
                web.post("/rest/api/3/search/jql", self.search)]

    def error_body(self, status: int) -> Any:
        return {"errorMessages": ["Internal server error" if status >= 500 else "injected"], "errors": {}}

    def close(self, key: str) -> None:
        issue = next(i for i in self.issues if i.key == key)
        issue.status, issue.category = "Done", "done"

    def _error(self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"errorMessages": messages or [], "errors": errors or {}}, status=status)

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != self.auth:
            return self._error(401, ["Client must be authenticated to access this resource."])
        return None

    def _json(self, issue: JiraIssue, fields: list[str] | None = None) -> dict[str, Any]:
        every = {"summary": issue.summary, "description": issue.description, "labels": issue.labels,
                 "issuetype": {"name": issue.issue_type},
                 "assignee": {"accountId": issue.assignee} if issue.assignee else None,
                 "status": {"name": issue.status, "statusCategory": {"key": issue.category}}}
        shown = {k: v for k, v in every.items() if fields is None or k in fields}
        return {"id": issue.id, "key": issue.key, "self": f"{self.url}/rest/api/3/issue/{issue.id}", "fields": shown}

    async def create(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        try:
            fields = json.loads(await request.text()).get("fields") or {}
        except (ValueError, AttributeError):
            return self._error(400, ["Unexpected character in the request body"])
        errors: dict[str, str] = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        if (fields.get("issuetype") or {}).get("name") not in ISSUE_TYPES:
            errors["issuetype"] = "Specify a valid issue type"
        if not isinstance(fields.get("summary"), str) or not fields["summary"].strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(fields["summary"]) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        description = fields.get("description")
        if description is not None and not (isinstance(description, dict) and description.get("type") == "doc"
                                            and description.get("version") == 1):
            errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
        if any(" " in str(label) for label in fields.get("labels") or []):
            errors["labels"] = "The label can't contain spaces."
        if errors:
            return self._error(400, [], errors)
        with self._issues_lock:
            number = len(self.issues) + 1
            issue = JiraIssue(str(10000 + number), f"{self.project}-{number}", fields["summary"], description or {},
                              list(fields.get("labels") or []), (fields.get("assignee") or {}).get("accountId"),
                              fields["issuetype"]["name"])
            self.issues.append(issue)
        return web.json_response({"id": issue.id, "key": issue.key, "self": f"{self.url}/rest/api/3/issue/{issue.id}"},
                                 status=201)

    async def get(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        key = request.match_info["key"]
        issue = next((i for i in self.issues if key in (i.id, i.key)), None)
        if issue is None:
            return self._error(404, ["Issue does not exist or you do not have permission to see it."])
        fields = request.query.get("fields")
        return web.json_response(self._json(issue, fields.split(",") if fields else None))

    async def search(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        body = json.loads(await request.text())
        self.searches.append(body)
        jql = body.get("jql", "")
        ids = re.fullmatch(r"id in \(([\d, ]+)\)", jql)
        project = re.fullmatch(r'project = "([A-Z][A-Z0-9_]*)" ORDER BY created DESC', jql)
        if ids:
            wanted = {i.strip() for i in ids.group(1).split(",")}
            missing = sorted(wanted - {i.id for i in self.issues})
            if missing:   # as Jira does: one id it cannot find refuses the whole query
                return self._error(400, [f"An issue with key '{missing[0]}' does not exist for field 'id'."])
            found = [i for i in self.issues if i.id in wanted]
        elif project:
            found = [i for i in reversed(self.issues) if project.group(1) == self.project]
        else:
            return self._error(400, [f"Error in the JQL Query: the fake does not understand {jql!r}."])
        size = min(int(body.get("maxResults", 50)), 5000)
        start = int(body.get("nextPageToken") or 0)
        page = found[start:start + size]
        answer: dict[str, Any] = {"issues": [self._json(i, body.get("fields")) for i in page],
                                  "isLast": start + size >= len(found)}
        if not answer["isLast"]:
            answer["nextPageToken"] = str(start + size)
        return web.json_response(answer)
