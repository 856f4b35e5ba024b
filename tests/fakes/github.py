"""A fake GitHub REST API for issues: POST/GET /repos/{owner}/{repo}/issues[/{number}] with a bearer
token, GitHub's error shape ({"message", "documentation_url", "status"}), 422 validation errors, the
x-ratelimit-* headers on every answer and the primary limit's 403 when none remain, and Link-header
pages on the list. Tests close an issue with :meth:`close`."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

DOCS = "https://docs.github.com/rest/issues/issues"
HOUR_LIMIT = 5000


@dataclass
class GitHubIssue:
    number: int
    title: str
    body: str
    labels: list[str]
    assignees: list[str]
    state: str = "open"
    created_at: float = field(default_factory=time.time)


class FakeGitHub(FakeServer):
    def __init__(self, token: str, repo: str) -> None:
        super().__init__()
        self.token = token
        self.repo = repo
        self.issues: list[GitHubIssue] = []
        self.remaining = HOUR_LIMIT
        self.reset_at = int(time.time()) + 3600
        self._issues_lock = threading.Lock()
        self._lost_answers = 0
        self.answer_delay = 0.0       # seconds an issue waits, created, before its answer is sent

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/repos/{owner}/{repo}/issues", self.create),
                web.get("/repos/{owner}/{repo}/issues", self.list),
                web.get("/repos/{owner}/{repo}/issues/{number}", self.get)]

    def error_body(self, status: int) -> Any:
        return {"message": "Server Error" if status >= 500 else "injected", "documentation_url": DOCS,
                "status": str(status)}

    # test controls ---------------------------------------------------------------------------
    def close(self, number: int, reason: str = "completed") -> None:
        self.issue(number).state = "closed"

    def issue(self, number: int) -> GitHubIssue:
        return next(i for i in self.issues if i.number == number)

    def lose_answers(self, times: int = 1) -> None:
        """The next ``times`` issues are created, but the answer is lost on the way (a gateway's 502): the
        caller cannot tell whether it filed one, as after a kill -9 between the call and the commit."""
        self._lost_answers += times

    def exhaust(self, reset_in: int = 600) -> None:
        """The hour's budget is spent: every request gets the primary rate limit's 403 until the reset."""
        self.remaining = 0
        self.reset_at = int(time.time()) + reset_in

    # the API -----------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {"x-ratelimit-limit": str(HOUR_LIMIT), "x-ratelimit-remaining": str(max(self.remaining, 0)),
                "x-ratelimit-used": str(HOUR_LIMIT - max(self.remaining, 0)), "x-ratelimit-reset": str(self.reset_at),
                "x-ratelimit-resource": "core"}

    def _error(self, status: int, message: str, **extra: Any) -> web.Response:
        return web.json_response({"message": message, "documentation_url": DOCS, "status": str(status), **extra},
                                 status=status, headers=self._headers())

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "Bad credentials")
        if not request.headers.get("User-Agent"):
            return self._error(403, "Request forbidden by administrative rules. Please make sure your request "
                                    "has a User-Agent header")
        if self.remaining <= 0:
            return self._error(403, "API rate limit exceeded for user.")
        self.remaining -= 1
        if f"{request.match_info['owner']}/{request.match_info['repo']}" != self.repo:
            return self._error(404, "Not Found")
        return None

    def _json(self, issue: GitHubIssue) -> dict[str, Any]:
        owner, repo = self.repo.split("/")
        return {"id": 1000 + issue.number, "node_id": f"I_{issue.number}", "number": issue.number,
                "url": f"{self.url}/repos/{self.repo}/issues/{issue.number}",
                "html_url": f"{self.url}/{self.repo}/issues/{issue.number}", "state": issue.state,
                "state_reason": "completed" if issue.state == "closed" else None, "title": issue.title,
                "body": issue.body, "labels": [{"name": n} for n in issue.labels],
                "assignees": [{"login": a} for a in issue.assignees], "user": {"login": "warroom-bot"},
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issue.created_at))}

    async def create(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        try:
            body = json.loads(await request.text())
        except ValueError:
            return self._error(400, "Problems parsing JSON")
        if not isinstance(body.get("title"), str) or not body["title"].strip():
            return self._error(422, "Validation Failed",
                               errors=[{"resource": "Issue", "field": "title", "code": "missing_field"}])
        if not isinstance(body.get("labels", []), list) or not isinstance(body.get("assignees", []), list):
            return self._error(422, "Validation Failed", errors=[{"resource": "Issue", "field": "labels",
                                                                  "code": "invalid"}])
        with self._issues_lock:
            issue = GitHubIssue(len(self.issues) + 1, body["title"], body.get("body") or "",
                                [str(label) for label in body.get("labels", [])], list(body.get("assignees", [])))
            self.issues.append(issue)
            delay = self.answer_delay
            if self._lost_answers > 0:
                self._lost_answers -= 1
                return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                                    content_type="text/html")
        if delay:
            await asyncio.sleep(delay)     # created already: a caller killed now never hears of it
        return web.json_response(self._json(issue), status=201, headers=self._headers())

    async def get(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        number = request.match_info["number"]
        issue = next((i for i in self.issues if str(i.number) == number), None)
        if issue is None:
            return self._error(404, "Not Found")
        return web.json_response(self._json(issue), headers=self._headers())

    async def list(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused:
            return refused
        query = request.query
        state = query.get("state", "open")
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        issues = [i for i in self.issues if state == "all" or i.state == state]
        issues.sort(key=lambda i: i.number, reverse=query.get("direction", "desc") == "desc")
        shown = issues[(page - 1) * per_page: page * per_page]
        headers = self._headers()
        if page * per_page < len(issues):
            rest = "&".join(f"{k}={v}" for k, v in query.items() if k != "page")
            headers["Link"] = f'<{self.url}{request.path}?{rest}&page={page + 1}>; rel="next"'
        return web.json_response([self._json(i) for i in shown], headers=headers)
