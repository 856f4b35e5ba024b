"""The ``tracker:`` section of warroom.yml: where follow-ups become tickets (GitHub Issues, Jira Cloud or
Linear). Credentials come from the environment and are only checked for presence here; their values
never reach the config, a log line or a repr.

    tracker:
      kind: github                 # github | jira | linear
      repo: acme/ops               # github: owner/name
      project: OPS                 # jira: the project key (and issue_type, default Task)
      team: 9cfb482a-81e3-4154-b5b9-2c805e70a02d   # linear: the team's id
      url: https://api.github.com  # the API's base URL (jira: your site, https://acme.atlassian.net)
      auto: true                   # every follow-up becomes a ticket; false: a Create ticket button
      poll: 5m                     # how often open tickets are read to see whether they were closed
      labels: [warroom]            # label names, default [warroom] (linear: label ids, default none)
      assignees: {alice: octocat}  # a person (users[].name or Slack ID) -> their login / accountId / user id
      token_env: GITHUB_TOKEN      # which environment variables hold the credentials (these are the defaults;
                                   # jira: email_env JIRA_EMAIL, token_env JIRA_API_TOKEN; linear: LINEAR_API_KEY)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping

from bot.config.notify import base_url, env_var
from bot.config.oncall import People
from bot.config.reader import Node
from kernel.tickets import TRACKER_KINDS

DEFAULT_URLS = {"github": "https://api.github.com", "linear": "https://api.linear.app"}
CREDENTIALS = {"github": ("GITHUB_TOKEN",), "jira": ("JIRA_EMAIL", "JIRA_API_TOKEN"), "linear": ("LINEAR_API_KEY",)}
_WHERE = {
    "GITHUB_TOKEN": "a GitHub token that may create issues in the repository (a fine-grained token with Issues: "
                    "read and write)",
    "JIRA_EMAIL": "the email address of the Atlassian account warroom files tickets as",
    "JIRA_API_TOKEN": "an API token of that account (id.atlassian.com > Security > API tokens)",
    "LINEAR_API_KEY": "a Linear personal API key (lin_api_..., Settings > Security & access)",
}
_REPO = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")
_LABEL = re.compile(r"^\S{1,100}$")
MIN_POLL = timedelta(seconds=30)
DEFAULT_POLL = timedelta(minutes=5)


@dataclass(frozen=True)
class TrackerSettings:
    kind: str
    url: str
    where: str                    # github owner/name | jira project key | linear team id
    auto: bool = True
    poll: timedelta = DEFAULT_POLL
    labels: tuple[str, ...] = ("warroom",)
    issue_type: str = "Task"      # jira only
    assignees: Mapping[str, str] = field(default_factory=dict)   # Slack user ID -> the tracker's person
    credentials: tuple[str, ...] = ()   # names of the environment variables: (token,) or, for jira, (email, token)

    @property
    def name(self) -> str:
        return {"github": "GitHub", "jira": "Jira", "linear": "Linear"}[self.kind]


def parse_tracker(node: Node, environ: Mapping[str, str], people: People) -> TrackerSettings | None:
    if node.is_missing:
        return None
    keys = node.mapping({"kind", "repo", "project", "issue_type", "team", "url", "auto", "poll", "labels",
                         "assignees", "token_env", "email_env"}, required={"kind"})
    kind = keys["kind"].choice(TRACKER_KINDS)
    assert kind is not None
    where_key = {"github": "repo", "jira": "project", "linear": "team"}[kind]
    used = {where_key, "issue_type"} if kind == "jira" else {where_key}
    for other in sorted({"repo", "project", "team", "issue_type"} - used):
        if not keys[other].is_missing:
            raise keys[other].error(f"is not used with kind {kind}; it takes {where_key}")
    where = keys[where_key].string(None)
    if where is None:
        raise keys[where_key].error(f"is required with kind {kind}")
    if kind == "github" and not _REPO.match(where):
        raise keys[where_key].error(f"{where!r} is not a repository; write owner/name, like acme/ops")
    if kind == "jira" and not _JIRA_KEY.match(where):
        raise keys[where_key].error(f"{where!r} is not a Jira project key (capital letters and digits, like OPS)")
    if kind == "jira" and keys["url"].is_missing:
        raise keys["url"].error("is required with kind jira: your site, like https://acme.atlassian.net")
    url = base_url(keys["url"], DEFAULT_URLS.get(kind, "https://acme.atlassian.net"))
    poll = keys["poll"].duration(DEFAULT_POLL)
    assert poll is not None
    if poll < MIN_POLL:
        raise keys["poll"].error(f"is {int(poll.total_seconds())}s; poll at most every 30s (trackers rate-limit)")
    # Linear takes label ids, which no default can know; the others take names (GitHub makes a new one)
    default_labels = () if kind == "linear" else ("warroom",)
    labels = keys["labels"].string_list() if not keys["labels"].is_missing else default_labels
    for index, label in enumerate(labels):
        if not _LABEL.match(label):
            raise keys["labels"].child(index, label).error(f"{label!r} is not a label (one word, no spaces)")
    issue_type = keys["issue_type"].string("Task", max_len=60) or "Task"
    if kind != "jira" and not keys["email_env"].is_missing:
        raise keys["email_env"].error("is only for kind jira (its email address and API token)")
    credentials = []
    for key, default in zip(("email_env", "token_env") if kind == "jira" else ("token_env",), CREDENTIALS[kind]):
        name = env_var(keys[key], default, environ, required=True, what=f"{_WHERE[default]} ({kind} needs it)")
        assert name is not None
        credentials.append(name)
    return TrackerSettings(kind, url, where, keys["auto"].boolean(True), poll, tuple(labels), issue_type,
                           _assignees(keys["assignees"], people), tuple(credentials))


def _assignees(node: Node, people: People) -> dict[str, str]:
    if node.is_missing:
        return {}
    if not isinstance(node.value, dict):
        raise node.error("must map people to their tracker accounts, like {alice: octocat}")
    mapped: dict[str, str] = {}
    for person, account in node.value.items():
        slack_id = people.resolve(node.child(str(person), str(person)))
        mapped[slack_id] = node.child(str(person), account).required_string(max_len=200)
    return mapped
