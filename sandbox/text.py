"""Slack's text escaping, both directions.

Forward: what the Slack client does to what a person typed before the app
sees it (messages always; slash command text only when the command has
``should_escape``). Backward: turning Slack's mrkdwn references into text a
person can read in a terminal.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from .state import Workspace

_URL = r"https?://[^\s<>|]+"
_TOKEN = re.compile(
    rf"(?P<url>{_URL})"
    r"|(?<![\w@])@(?P<at>[A-Za-z0-9][\w.\-]*)"
    r"|(?<![\w#&])#(?P<hash>[a-z0-9][a-z0-9_\-]*)"
)
_SPECIALS = {"here", "channel", "everyone"}


def escape_entities(text: str) -> str:
    """Slack always sends &, < and > as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _linkify(text: str, ws: Workspace, user_fmt: Callable[[str, str], str],
             group_fmt: Callable[[str, str], str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group("url"):
            url = m.group("url")
            trail = ""
            while url and url[-1] in ".,;:!?)":   # trailing punctuation is not part of a link
                trail = url[-1] + trail
                url = url[:-1]
            return f"<{url}>{trail}"
        if m.group("at"):
            name = m.group("at").rstrip(".")
            rest = m.group("at")[len(name):]
            if name in _SPECIALS:
                return f"<!{name}>{rest}"
            user = ws.user(name)
            if user is not None and user.name == name:
                return user_fmt(user.id, name) + rest
            group = ws.usergroup(name)
            if group is not None:
                return group_fmt(group.id, name) + rest
            return m.group(0)
        name = m.group("hash")
        chan = ws.channel(name)
        if chan is not None and not chan.is_im and chan.name == name:
            return f"<#{chan.id}|{name}>"
        return m.group(0)

    # Entities are escaped first so the references we add stay intact.
    return _TOKEN.sub(sub, escape_entities(text))


def escape_message_text(text: str, ws: Workspace) -> str:
    """A message typed in the client: mentions become <@U…>, links <https://…>."""
    return _linkify(text, ws, lambda uid, _n: f"<@{uid}>", lambda gid, _n: f"<!subteam^{gid}>")


def escape_command_text(text: str, ws: Workspace, should_escape: bool) -> str:
    """Slash command text: only entities unless the command asks for escaping."""
    if not should_escape:
        return escape_entities(text)
    return _linkify(text, ws, lambda uid, n: f"<@{uid}|{n}>",
                    lambda gid, n: f"<!subteam^{gid}|@{n}>")


_REF = re.compile(r"<([^<>]+)>")


def readable(text: str, ws: Workspace | None) -> str:
    """mrkdwn references to plain words: <@U1> -> @alice, <url|x> -> x (url)."""

    def sub(m: re.Match[str]) -> str:
        body = m.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            user = ws.users.get(uid) if ws else None
            return "@" + (user.name if user else (label or uid))
        if target.startswith("#"):
            cid = target[1:]
            chan = ws.channels.get(cid) if ws else None
            return "#" + (label or (chan.name if chan else cid))
        if target.startswith("!subteam^"):
            gid = target[len("!subteam^"):]
            group = ws.usergroups.get(gid) if ws else None
            if label:
                return label if label.startswith("@") else "@" + label
            return "@" + (group.handle if group else gid)
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        if label:
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    out = _REF.sub(sub, text)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- for a terminal: what the Slack client draws ------------------------------------------------
@dataclass(frozen=True)
class Style:
    """How the client's emphasis reaches a terminal: ANSI escape codes, or nothing (plain words)."""
    bold: tuple[str, str] = ("", "")
    italic: tuple[str, str] = ("", "")
    strike: tuple[str, str] = ("", "")
    code: tuple[str, str] = ("", "")


PLAIN = Style()
ANSI = Style(bold=("\x1b[1m", "\x1b[22m"), italic=("\x1b[3m", "\x1b[23m"),
             strike=("\x1b[9m", "\x1b[29m"), code=("\x1b[36m", "\x1b[39m"))

# The standard names the bot and people use most; Slack knows thousands, and an unknown one
# stays ":name:" as an old client shows it.
EMOJI = {
    "rotating_light": "🚨", "fire": "🔥", "pager": "📟", "warning": "⚠️", "white_check_mark": "✅",
    "white_large_square": "⬜", "ticket": "🎫", "page_facing_up": "📄", "pencil2": "✏️",
    "spiral_note_pad": "🗒️", "wastebasket": "🗑️", "test_tube": "🧪", "globe_with_meridians": "🌐",
    "grey_question": "❔",
    "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️", "x": "❌", "information_source": "ℹ️",
    "eyes": "👀", "zzz": "💤", "red_circle": "🔴", "large_blue_circle": "🔵",
    "large_green_circle": "🟢", "large_yellow_circle": "🟡", "large_orange_circle": "🟠",
    "white_circle": "⚪", "black_circle": "⚫", "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥", "arrow_up": "⬆️", "arrow_down": "⬇️", "arrow_right": "➡️",
    "arrow_left": "⬅️", "wave": "👋", "pushpin": "📌", "round_pushpin": "📍", "no_entry": "⛔",
    "no_entry_sign": "🚫", "memo": "📝", "lock": "🔒", "unlock": "🔓", "link": "🔗",
    "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "alarm_clock": "⏰", "stopwatch": "⏱️",
    "calendar": "📆", "date": "📅", "clipboard": "📋", "bell": "🔔", "no_bell": "🔕",
    "loudspeaker": "📢", "mega": "📣", "speech_balloon": "💬", "mag": "🔍", "bulb": "💡",
    "wrench": "🔧", "hammer_and_wrench": "🛠️", "gear": "⚙️", "shield": "🛡️", "bug": "🐛",
    "rocket": "🚀", "tada": "🎉", "sparkles": "✨", "boom": "💥", "zap": "⚡", "star": "⭐",
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "ok_hand": "👌", "clap": "👏",
    "raised_hands": "🙌", "pray": "🙏", "muscle": "💪", "heart": "❤️", "100": "💯",
    "thinking_face": "🤔", "slightly_smiling_face": "🙂", "smile": "😄", "sweat_smile": "😅",
    "joy": "😂", "cry": "😢", "scream": "😱", "skull": "💀", "robot_face": "🤖",
    "question": "❓", "exclamation": "❗", "heavy_plus_sign": "➕", "heavy_minus_sign": "➖",
    "construction": "🚧", "checkered_flag": "🏁", "triangular_flag_on_post": "🚩",
    "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉", "bar_chart": "📊",
    "email": "📧", "envelope": "✉️", "phone": "☎️", "computer": "💻", "package": "📦",
    "repeat": "🔁", "arrows_counterclockwise": "🔄", "recycle": "♻️", "sos": "🆘",
    "ambulance": "🚑", "fire_engine": "🚒", "coffee": "☕", "ocean": "🌊", "sunny": "☀️",
}

_CODE = re.compile(r"```(?P<block>.+?)```|`(?P<span>[^`\n]+)`", re.S)
_EMOJI = re.compile(r":([a-z0-9_+\-']+):")
_HELD = re.compile("\ue000(\\d+)\ue001")
# Slack's emphasis needs a non-word character (or the edge) on the outside of each marker.
EMPHASIS = {mark: re.compile(rf"(?<![\w{esc}]){esc}(?=\S)(.+?)(?<=\S){esc}(?![\w{esc}])")
             for mark, esc in (("*", r"\*"), ("_", "_"), ("~", "~"))}


def emojize(text: str) -> str:
    """``:fire:`` -> 🔥 for the names in :data:`EMOJI`; others stay as written."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def terminal(text: str, ws: Workspace | None, style: Style, *, mrkdwn: bool = True,
             tz: str | None = None) -> str:
    """What the client shows for ``text``: references as names, emphasis as ``style``, emoji as
    characters, dates in the reader's zone ``tz``. ``mrkdwn=False`` is a plain_text object
    (only emoji are drawn there)."""
    if not mrkdwn:
        return emojize(text)
    held: list[str] = []

    def hold(shown: str) -> str:
        held.append(shown)
        return f"\ue000{len(held) - 1}\ue001"

    def code(m: re.Match[str]) -> str:
        body = m.group("block") if m.group("block") is not None else m.group("span")
        return hold(style.code[0] + readable(body, ws) + style.code[1])

    def reference(m: re.Match[str]) -> str:
        if m.group(1).startswith("!date^") and tz:
            return hold(slack_date(m.group(1), tz))
        return hold(readable(m.group(0), ws))

    out = _REF.sub(reference, _CODE.sub(code, text))
    for mark, attr in (("*", "bold"), ("_", "italic"), ("~", "strike")):
        on, off = getattr(style, attr)
        # held, so that the codes' letters do not count as words next to the following marker
        out = EMPHASIS[mark].sub(lambda m, on=on, off=off: hold(on) + m.group(1) + hold(off), out)
    out = "\n".join("│ " + line[len("&gt; "):] if line.startswith("&gt; ") else line
                    for line in emojize(out).split("\n"))
    out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    while _HELD.search(out):   # a held code span may hold a reference of its own
        out = _HELD.sub(lambda m: held[int(m.group(1))], out)
    return out


def slack_date(body: str, tz: str, now: float | None = None) -> str:
    """``!date^<epoch>^<format>[^<link>]|<fallback>`` the way a client in ``tz`` shows it."""
    target, _, fallback = body.partition("|")
    parts = target.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), ZoneInfo(tz))
        fmt = parts[2]
    except (IndexError, ValueError, KeyError):
        return fallback or target
    today = datetime.fromtimestamp(time.time() if now is None else now, ZoneInfo(tz)).date()
    day = moment.date()
    nearby = {today: "today", today - timedelta(days=1): "yesterday",
              today + timedelta(days=1): "tomorrow"}.get(day)
    ordinal = _ordinal(day.day)
    words = {
        "date_num": day.isoformat(), "date_slash": day.strftime("%m/%d/%Y"),
        "date": f"{day:%B} {ordinal}, {day.year}", "date_short": f"{day:%b} {day.day}, {day.year}",
        "date_long": f"{day:%A, %B} {ordinal}, {day.year}",
        "time": moment.strftime("%H:%M"), "time_secs": moment.strftime("%H:%M:%S"),
    }
    for name in ("date", "date_short", "date_long"):
        words[f"{name}_pretty"] = nearby or words[name]
    words["ago"] = _ago(moment.timestamp() - (time.time() if now is None else now))
    return re.sub(r"\{(\w+)\}", lambda m: words.get(m.group(1), m.group(0)), fmt)


def _ago(seconds: float) -> str:
    later, seconds = seconds > 0, abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if later else f"{amount} ago"
    return "just now"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
