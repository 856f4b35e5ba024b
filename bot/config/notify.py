"""The ``notify:`` section of warroom.yml and each person's ``contact:`` and ``notify:`` keys: how pages
reach people beyond Slack. Only the names of environment variables are here; their values (API tokens,
passwords) are read when warroom starts and never logged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping
from urllib.parse import urlsplit

from bot.config.reader import ConfigError, Node
from bot.durations import DurationError, parse_duration
from kernel.notify import (
    DEFAULT_RULES,
    PUSH_METHODS,
    RULE_METHODS,
    WAKING_METHODS,
    ContactMethods,
    NotifyRule,
    NotifyRules,
)

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NTFY_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
_PUSHOVER_KEY = re.compile(r"^[A-Za-z0-9]{30}$")
SECURITY = ("starttls", "tls", "none")
DEFAULT_ACK_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    security: str = "starttls"          # starttls (587) | tls (465) | none (a local relay)
    sender: str = "warroom@localhost"
    username_env: str | None = None
    password_env: str | None = None


@dataclass(frozen=True)
class NtfySettings:
    url: str = "https://ntfy.sh"
    token_env: str | None = None


@dataclass(frozen=True)
class PushoverSettings:
    url: str = "https://api.pushover.net"
    token_env: str = "PUSHOVER_APP_TOKEN"
    retry: int = 60                      # emergency priority: seconds between re-alerts (>= 30)
    expire: int = 3600                   # ... and for how long (<= 10800)
    poll: float = 5.0                    # seconds between receipt polls (Pushover's floor is 5)


@dataclass(frozen=True)
class TwilioSettings:
    sender: str                          # the From number (E.164)
    url: str = "https://api.twilio.com"
    account_sid_env: str = "TWILIO_ACCOUNT_SID"
    auth_token_env: str = "TWILIO_AUTH_TOKEN"


@dataclass(frozen=True)
class NotifySettings:
    email: EmailSettings | None = None
    ntfy: NtfySettings | None = None
    pushover: PushoverSettings | None = None
    twilio: TwilioSettings | None = None
    rules: NotifyRules = DEFAULT_RULES
    ack_link_ttl: timedelta = DEFAULT_ACK_TTL
    attempts: int = 3                    # tries of one method before the next is brought forward

    def provider(self, method: str) -> object | None:
        """The configured provider a method needs (Slack needs none)."""
        if method == "slack" or method == "webhook":
            return True
        return {"email": self.email, "ntfy": self.ntfy, "pushover": self.pushover, "sms": self.twilio,
                "voice": self.twilio}.get(method)


def parse_notify(node: Node, environ: Mapping[str, str]) -> NotifySettings:
    keys = node.mapping({"email", "ntfy", "pushover", "twilio", "rules", "ack_link_ttl", "attempts"})
    email = _email(keys["email"], environ) if not keys["email"].is_missing else None
    ntfy = _ntfy(keys["ntfy"], environ) if not keys["ntfy"].is_missing else None
    pushover = _pushover(keys["pushover"], environ) if not keys["pushover"].is_missing else None
    twilio = _twilio(keys["twilio"], environ) if not keys["twilio"].is_missing else None
    rules = parse_rules(keys["rules"]) if not keys["rules"].is_missing else DEFAULT_RULES
    ttl = keys["ack_link_ttl"].duration(DEFAULT_ACK_TTL)
    assert ttl is not None
    return NotifySettings(email, ntfy, pushover, twilio, rules, ttl,
                          keys["attempts"].integer(3, minimum=1, maximum=10))


def base_url(node: Node, default: str) -> str:
    url = node.string(default)
    assert url is not None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise node.error(f"{url!r} is not an http(s) base URL, like {default}")
    return url.rstrip("/")


def env_var(node: Node, default: str | None, environ: Mapping[str, str], *, required: bool, what: str) -> str | None:
    name = node.string(default)
    if name is None:
        return None
    if not _ENV_NAME.match(name):
        raise node.error(f"{name!r} is not an environment variable name")
    if required and not environ.get(name):
        raise node.error(f"environment variable {name} is not set; set it to {what}")
    return name


def _email(node: Node, environ: Mapping[str, str]) -> EmailSettings:
    keys = node.mapping({"smtp", "security", "from", "username_env", "password_env"}, required={"smtp", "from"})
    smtp = keys["smtp"].required_string()
    host, sep, port = smtp.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) <= 65535:
        raise keys["smtp"].error(f"{smtp!r} is not host:port, like smtp.example.com:587")
    sender = keys["from"].required_string(max_len=200)
    if "@" not in sender:
        raise keys["from"].error(f"{sender!r} is not an email address")
    security = keys["security"].choice(SECURITY, "starttls") or "starttls"
    user = env_var(keys["username_env"], None, environ, required=True, what="the SMTP user name")
    password = env_var(keys["password_env"], None, environ, required=True, what="the SMTP password")
    if (user is None) != (password is None):
        raise node.error("give both username_env and password_env, or neither (a relay that takes mail unsigned)")
    return EmailSettings(host.strip("[]"), int(port), security, sender, user, password)


def _ntfy(node: Node, environ: Mapping[str, str]) -> NtfySettings:
    keys = node.mapping({"url", "token_env"})
    return NtfySettings(base_url(keys["url"], "https://ntfy.sh"),
                        env_var(keys["token_env"], None, environ, required=True, what="an ntfy access token (tk_…)"))


def _pushover(node: Node, environ: Mapping[str, str]) -> PushoverSettings:
    keys = node.mapping({"url", "token_env", "retry", "expire"})
    token = env_var(keys["token_env"], "PUSHOVER_APP_TOKEN", environ, required=True,
                 what="your Pushover application's API token")
    assert token is not None
    return PushoverSettings(base_url(keys["url"], "https://api.pushover.net"), token,
                            keys["retry"].integer(60, minimum=30, maximum=10800),
                            keys["expire"].integer(3600, minimum=30, maximum=10800))


def _twilio(node: Node, environ: Mapping[str, str]) -> TwilioSettings:
    keys = node.mapping({"url", "from", "account_sid_env", "auth_token_env"}, required={"from"})
    sender = _phone(keys["from"])
    sid = env_var(keys["account_sid_env"], "TWILIO_ACCOUNT_SID", environ, required=True,
               what="your Twilio Account SID (AC…)")
    token = env_var(keys["auth_token_env"], "TWILIO_AUTH_TOKEN", environ, required=True, what="your Twilio Auth Token")
    assert sid and token
    return TwilioSettings(sender, base_url(keys["url"], "https://api.twilio.com"), sid, token)


def _phone(node: Node) -> str:
    number = node.required_string().replace(" ", "")
    if not _E164.match(number):
        raise node.error(f"{number!r} is not a phone number in E.164 form, like +14155550100")
    return number


def parse_rules(node: Node) -> NotifyRules:
    """Either one list for every priority, or ``high:`` and ``low:`` lists."""
    if isinstance(node.value, dict):
        keys = node.mapping({"high", "low"})
        high = _rule_list(keys["high"]) if not keys["high"].is_missing else DEFAULT_RULES.high
        low = _rule_list(keys["low"], low=True) if not keys["low"].is_missing else DEFAULT_RULES.low
        return NotifyRules(high, low)
    high = _rule_list(node)
    return NotifyRules(high, tuple(r for r in high if r.method not in WAKING_METHODS))


def _rule_list(node: Node, *, low: bool = False) -> tuple[NotifyRule, ...]:
    rules: list[NotifyRule] = []
    for item in node.items(allow_empty=False):
        text = item.required_string()
        method, _, after = text.partition(" ")
        method = method.lower()
        if method not in RULE_METHODS:
            raise item.error(f"{method!r} is not a way to reach people; use {', '.join(RULE_METHODS)} "
                             "followed by a delay, like \"sms 3m\"")
        if low and method in WAKING_METHODS:
            raise item.error(f"a low-priority alert does not {'call' if method == 'voice' else 'text'} anyone; "
                             "use slack, push, email or webhook here")
        try:
            delay = parse_duration(after.strip()) if after.strip() not in ("", "0", "0s", "0m") else timedelta(0)
        except DurationError as exc:
            raise item.error(f"{exc} (after the method comes how long after the page: 0, 30s, 3m)") from None
        if any(r.method == method for r in rules):
            raise item.error(f"{method!r} is listed twice")
        rules.append(NotifyRule(method, delay))
    return tuple(rules)


def parse_contact(node: Node, email: str | None) -> ContactMethods:
    """A person's ``contact:`` mapping; ``email`` is their ``users[].email``, used when none is given here."""
    keys = node.mapping({"email", "ntfy", "pushover", "sms", "voice", "phone", "webhook"})
    given_email = keys["email"].string(None)
    if given_email is not None and "@" not in given_email:
        raise keys["email"].error(f"{given_email!r} is not an email address")
    topic = keys["ntfy"].string(None)
    if topic is not None and not _NTFY_TOPIC.match(topic):
        raise keys["ntfy"].error(f"{topic!r} is not an ntfy topic (letters, digits, - and _, up to 64)")
    pushover = keys["pushover"].string(None)
    if pushover is not None and not _PUSHOVER_KEY.match(pushover):
        raise keys["pushover"].error("is not a Pushover user key (30 letters and digits, from your Pushover dashboard)")
    phone = _phone(keys["phone"]) if not keys["phone"].is_missing else None
    sms = _phone(keys["sms"]) if not keys["sms"].is_missing else phone
    voice = _phone(keys["voice"]) if not keys["voice"].is_missing else phone
    url = secret = None
    if not keys["webhook"].is_missing:
        hook = keys["webhook"].mapping({"url", "secret_env"}, required={"url", "secret_env"})
        url = base_url(hook["url"], "https://example.com/hook")
        secret = env_var(hook["secret_env"], None, {}, required=False, what="")
    return ContactMethods(given_email or email, topic, pushover, sms, voice, url, secret)


def check_contacts(people: tuple, settings: NotifySettings, environ: Mapping[str, str], file: str) -> None:
    """What people's contacts need from the providers, and their webhook secrets, present at start."""
    for index, person in enumerate(people):
        contact: ContactMethods = person.contact
        for method in contact.methods:
            if method == "email" and contact.email and settings.email is None:
                continue  # users[].email is for other things too: email pages only once SMTP is set up
            if settings.provider(method) is None:
                section = "twilio" if method in WAKING_METHODS else method
                raise ConfigError(file, f"users[{index}].contact.{method}",
                                  f"needs notify.{section} to be configured (how warroom reaches {method})")
        if contact.webhook_secret_env and not environ.get(contact.webhook_secret_env):
            raise ConfigError(file, f"users[{index}].contact.webhook.secret_env",
                              f"environment variable {contact.webhook_secret_env} is not set; set it to the "
                              "webhook's signing secret (whsec_…)")
        if person.rules is not None:
            for rule in person.rules.high + person.rules.low:
                if rule.method != "slack" and rule.method != "push" and not contact.has(rule.method):
                    raise ConfigError(file, f"users[{index}].notify",
                                      f"names {rule.method!r} but users[{index}].contact has no {rule.method}")
                if rule.method == "push" and not any(contact.has(m) for m in PUSH_METHODS):
                    raise ConfigError(file, f"users[{index}].notify",
                                      f"names push but users[{index}].contact has neither ntfy nor pushover")
