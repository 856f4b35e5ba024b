"""``warroom sandbox``: a local Slack and the bot in one process, and you typing as a person."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.app import Options, StartupError
from bot.config import Config, ConfigError, load_config, parse_config
from bot.config.env import SlackSignInSettings, issuer_for
from bot.embedded import EmbeddedBot
from bot.logs import setup_logging
from bot.sandbox_repl import HELP, LineFailed, Repl
from bot.sandbox_terminal import Terminal, Watcher, style_for, threads_deaf_to_ctrl_c
from bot.web.signin import make_login_link
from storage.db import StorageError
from storage.web import LoginLinks

MANIFEST = Path(__file__).resolve().parent / "manifest.yml"
SANDBOX_PEOPLE = ("alice", "bob", "carol", "dave")
DEMO_WEBHOOK_KEY = "sandbox-webhook-key"
DEMO_KEY_ENV = "WARROOM_SANDBOX_WEBHOOK_KEY"
FAILURES = (LineFailed, LookupError, ValueError, PermissionError)

BANNER = """\
warroom sandbox: a local Slack workspace on {url}
People: {people}
Channels: {channels}
You are @alice in #general. Try: /incident declare Checkout errors sev2   (:help for more, :quit to leave)
"""
ALERTMANAGER_BODY = ('{"version":"4","status":"firing","alerts":[{"status":"firing","fingerprint":"f1",'
                     '"labels":{"alertname":"DiskFull"}}]}')
WEBHOOK_BODY = '{"summary":"Disk full on db-1","status":"firing","dedup_key":"disk-db-1"}'
CURL = """\
  curl --noproxy '*' -H {authorization} -H 'Content-Type: application/json' \\
       http://127.0.0.1:{port}/alerts/{source} -d '{body}'"""


def run_sandbox(*, script: str | None, log_level: str = "WARNING", keep_db: str | None = None) -> int:
    from sandbox import Sandbox  # only the CLI brings the bot and the sandbox together

    setup_logging(log_level)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(proxy, None)  # slack_sdk would send loopback traffic to a proxy
    lines: list[str] | None = None
    if script:
        try:
            lines = Path(script).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            sys.stderr.write(f"warroom: cannot read script {script}: {exc.strerror}\n")
            return 2
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    workdir = tempfile.TemporaryDirectory(prefix="warroom-sandbox-")
    db_path = keep_db or str(Path(workdir.name) / "warroom.db")
    with threads_deaf_to_ctrl_c():
        sandbox = Sandbox(manifest).start()
    bot: EmbeddedBot | None = None
    try:
        sandbox.seed_demo()
        try:
            config, notes = sandbox_config(sandbox)
        except ConfigError as exc:
            sys.stderr.write(f"warroom: {exc}\n")
            return 2
        config, sign_in = with_sign_in(sandbox, config)
        bot = EmbeddedBot(config, bot_token=sandbox.bot_token, app_token=sandbox.app_token,
                          api_url=sandbox.api_url, db_path=db_path, options=Options(surface_settle=0.2),
                          sign_in=sign_in)
        with threads_deaf_to_ctrl_c():
            bot.start()
        sandbox.wait_for(lambda: sandbox.connections >= 1, timeout=10, message="the bot did not connect")
        features = manifest.get("features", {})
        app = dict(style=style_for(sys.stdout), shortcuts=features.get("shortcuts") or [],
                   slash_commands=tuple(c["command"] for c in features.get("slash_commands") or []))
        if lines is not None:
            return play(Repl(sandbox, bot, **app), lines)
        terminal = Terminal(words=lambda: repl.completions())
        repl = Repl(sandbox, bot, terminal.print, **app)
        return interact(repl, terminal, banner(sandbox, config, bot.bot.webhooks.port, notes) + web_banner(sandbox, bot))
    except (StorageError, StartupError) as exc:
        sys.stderr.write(f"warroom: {exc}\n")
        return 2
    finally:
        try:
            if bot is not None:
                bot.stop()
        finally:
            sandbox.stop()
            workdir.cleanup()


# config --------------------------------------------------------------------------------------------
def sandbox_config(sandbox: Any) -> tuple[Config, list[str]]:
    """WARROOM_CONFIG made to fit the sandbox (see :func:`fit_to_sandbox`); else the demo."""
    path = os.environ.get("WARROOM_CONFIG")
    if not path:
        os.environ[DEMO_KEY_ENV] = DEMO_WEBHOOK_KEY  # the webhook server reads keys from the environment
        leads = sandbox.add_usergroup("oncall-leads", users=[sandbox.user("alice")["id"]])
        return parse_config(demo_config(_people(sandbox), leads), "(sandbox demo config)"), []
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return load_config(path), []  # raises the ConfigError that names the file and the problem
    notes = fit_to_sandbox(raw, sandbox)
    config = parse_config(raw, path)
    notes += _create_channels(config, sandbox)
    return config, notes


def demo_config(people: dict[str, dict[str, Any]], oncall_leads: str) -> dict[str, Any]:
    """The defaults plus on-call for the seeded people, a Slack source and a webhook source; alice
    leads on-call (she may put others on call)."""
    return {
        "oncall_managers": oncall_leads,
        "users": [{"slack_id": people[n]["id"], "name": n, "timezone": people[n]["tz"]}
                  for n in ("alice", "bob", "carol")],
        "schedules": [
            {"name": "primary", "timezone": "Europe/London",
             "rotation": {"users": ["alice", "bob"], "length": "1d", "handoff": "2026-01-05T09:00"}},
            {"name": "secondary", "timezone": "UTC",
             "rotation": {"users": ["carol"], "length": "1w", "handoff": "2026-01-05T09:00"}},
        ],
        "escalation_policies": [{"name": "default", "repeat": 1, "levels": [
            {"notify": ["schedule:primary"], "timeout": "5m"}, {"notify": ["schedule:secondary"], "timeout": "5m"}]}],
        "alert_sources": [
            {"name": "general", "type": "slack", "escalation_policies": ["default"], "channels": ["general"]},
            {"name": "monitoring", "type": "alertmanager", "escalation_policy": "default", "key_env": DEMO_KEY_ENV},
        ],
        "http": {"listen": "127.0.0.1:0"},
    }


def fit_to_sandbox(raw: Any, sandbox: Any) -> list[str]:
    """Let a config name the sandbox's people as it would name real ones, in place; returns what
    it changed, for the banner. Every person under ``users`` becomes a sandbox person (alice, bob,
    carol and dave already are) and gets that person's sandbox ID; the sandbox's people the file
    does not list are added to ``users``; bare names in ``incident.responders`` become IDs."""
    if not isinstance(raw, dict):
        return []
    notes: list[str] = []
    users = raw.get("users")
    if users is None:
        users = raw["users"] = []
    if not isinstance(users, list):
        return []   # parse_config says what is wrong with it
    listed = {str(u.get("name", "")).lower(): u for u in users if isinstance(u, dict)}
    for name, entry in listed.items():
        if not name:
            continue
        try:
            person = sandbox.user(name)
        except KeyError:
            sandbox.add_user(name, tz=str(entry.get("timezone") or "UTC"), email=entry.get("email"))
            person = sandbox.user(name)
            for channel in ("general", "incidents", "alerts"):
                sandbox.as_user(name).join(channel)
            notes.append(f"@{name} joined the sandbox from your users")
        zone = entry.get("timezone")
        if isinstance(zone, str) and zone != person["tz"] and _is_zone(zone):
            # their Slack profile says so too, or Slack's date tokens would show other times than warroom reads
            sandbox.set_timezone(name, zone)
            notes.append(f"@{name} reads times in {zone}, as your users say")
        if entry.get("slack_id") != person["id"]:
            if entry.get("slack_id"):
                notes.append(f"@{name}: your config's {entry['slack_id']} is {person['id']} here")
            entry["slack_id"] = person["id"]
    people = _people(sandbox)
    for name in SANDBOX_PEOPLE:
        if name not in listed:
            users.append({"slack_id": people[name]["id"], "name": name, "timezone": people[name]["tz"]})
    incident = raw.get("incident")
    if isinstance(incident, dict) and isinstance(incident.get("responders"), list):
        incident["responders"] = [people[str(r).lstrip("@").lower()]["id"]
                                  if str(r).lstrip("@").lower() in people else r for r in incident["responders"]]
    return notes


def _is_zone(name: str) -> bool:
    """A zone the sandbox can take (a wrong one is left for the config's own check to name)."""
    try:
        ZoneInfo(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):   # "America" is a folder of zones: OSError
        return False
    return True


def _create_channels(config: Config, sandbox: Any) -> list[str]:
    """Channels the config names that the sandbox lacks, made with everyone in them."""
    wanted = [config.channels.announcements, config.channels.alerts, config.channels.comms,
              config.channels.postmortems]
    for source in config.alert_sources:
        wanted += [source.channel, *source.channels]
    made = []
    for name in dict.fromkeys(n for n in wanted if n):
        try:
            sandbox.channel(name)
        except KeyError:
            if name[:1] in "CG" and name[1:].isupper():
                continue  # an ID from a real workspace: nothing to make
            members = [u["id"] for u in sandbox.users() if not u.get("is_bot")]
            sandbox.add_channel(name, members=members, creator=members[0])
            made.append(f"#{name}")
    return [f"made {', '.join(made)} for your config"] if made else []


def _people(sandbox: Any) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in sandbox.users() if not u.get("is_bot") and not u.get("deleted")}


# the banner ----------------------------------------------------------------------------------------
def with_sign_in(sandbox: Any, config: Config) -> tuple[Config, SlackSignInSettings]:
    """The web side with Sign in with Slack against the sandbox: its OAuth client knows the bot's
    callback address, so the port is settled first."""
    if config.http.port == 0:
        with socket.socket() as probe:
            probe.bind((config.http.host, 0))
            config = replace(config, http=replace(config.http, port=probe.getsockname()[1]))
    host = config.http.host if config.http.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    base = config.web.public_url or f"http://{host}:{config.http.port}"
    client = sandbox.oauth_client([f"{base}/signin/slack/callback"])
    return config, SlackSignInSettings(client.client_id, client.client_secret, issuer_for(sandbox.api_url))


def web_banner(sandbox: Any, bot: EmbeddedBot, person: str = "alice") -> str:
    """The web side's address, as a link that opens it signed in as the person at the prompt."""
    user = sandbox.user(person)["id"]
    link = bot.run(lambda: make_login_link(LoginLinks(bot.bot.db), bot.bot.web.public_url, user, now=time.time()))
    return f"The web side: {link}  (opens it signed in as @{person}; Sign in with Slack works too)\n"


def banner(sandbox: Any, config: Config, port: int | None, notes: list[str]) -> str:
    people = ", ".join(f"@{name} {u['id']}" for name, u in _people(sandbox).items())
    channels = ", ".join(f"#{c['name']}" for c in sandbox.channels(include_archived=False))
    text = BANNER.format(url=sandbox.url, people=people, channels=channels)
    if notes:
        text += "Your WARROOM_CONFIG in the sandbox: " + "; ".join(notes) + "\n"
    hooks = [s for s in config.alert_sources if s.type != "slack"]
    for source in hooks:
        # the demo's key is no secret; a real config's key stays in its environment variable
        authorization = (f"'Authorization: Bearer {DEMO_WEBHOOK_KEY}'" if source.key_env == DEMO_KEY_ENV
                         else f'"Authorization: Bearer ${source.key_env}"')
        body = ALERTMANAGER_BODY if source.type == "alertmanager" else WEBHOOK_BODY
        text += f'Fire an alert at the "{source.name}" source ({source.type}):\n'
        text += CURL.format(authorization=authorization, port=port, source=source.name, body=body) + "\n"
    return text


# playing lines ---------------------------------------------------------------------------------------
def play(repl: Repl, lines: list[str]) -> int:
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        repl.catch_up()  # what happened meanwhile comes before the next line, so the output is the same every run
        print(f"{repl.prompt}{line}")
        try:
            if not repl.handle(line):
                break
        except FAILURES as exc:
            print(f"line {number} failed: {exc}", file=sys.stderr)
            return 1
    return 0


def interact(repl: Repl, terminal: Terminal, banner_text: str) -> int:
    terminal.print(banner_text)
    with threads_deaf_to_ctrl_c():
        watcher = Watcher(repl.poll, terminal.print).start()
    try:
        while True:
            try:
                line = terminal.read(repl.prompt)
            except (EOFError, KeyboardInterrupt):
                terminal.print("")
                return 0
            try:
                if not repl.handle(line):
                    return 0
            except FAILURES as exc:
                terminal.print(f"! {exc}")
            except KeyboardInterrupt:  # Ctrl-C during a long :wait stops the line, not the sandbox
                terminal.print("(interrupted)")
    finally:
        watcher.stop()
        terminal.save_history()


__all__ = ["run_sandbox", "HELP", "fit_to_sandbox"]
