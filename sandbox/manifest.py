"""What the sandbox takes from a Slack app manifest (already parsed to a dict).

Only the parts Slack itself enforces at run time matter here: which slash
commands exist (and whether their text is escaped), which shortcuts exist, the
bot token's scopes, the subscribed bot events, the home tab switch and the bot's
display name. ``None`` gives a permissive app so ad-hoc tests need no manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Every bot scope a method or event in the sandbox checks, granted when no manifest.
ALL_SCOPES = frozenset({
    "app_mentions:read", "bookmarks:read", "bookmarks:write", "channels:history",
    "channels:join", "channels:manage", "channels:read", "chat:write", "chat:write.public",
    "chat:write.customize", "commands", "files:write", "groups:history", "groups:read", "groups:write",
    "im:history", "im:read", "im:write", "mpim:history", "mpim:read", "pins:read", "pins:write",
    "reactions:read", "reactions:write", "users:read", "users:read.email", "usergroups:read",
    "usergroups:write",
})

# Slack-platform.md §5's example subscriptions plus the ones the sandbox can emit.
DEFAULT_BOT_EVENTS = frozenset({
    "app_home_opened", "app_mention", "member_joined_channel", "member_left_channel",
    "message.channels", "message.groups", "message.im", "reaction_added", "reaction_removed",
    "pin_added",
})

# Which scope Slack requires before it delivers an event subscription.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "message.mpim": ("mpim:history",),
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "member_joined_channel": ("channels:read", "groups:read"),
    "member_left_channel": ("channels:read", "groups:read"),
    "app_mention": ("app_mentions:read",),
    "pin_added": ("pins:read",),
    "pin_removed": ("pins:read",),
    "app_home_opened": (),
}


@dataclass
class SlashCommand:
    command: str
    should_escape: bool = False
    description: str = ""
    usage_hint: str = ""


@dataclass
class Shortcut:
    callback_id: str
    type: str           # "global" | "message"
    name: str = ""


@dataclass
class AppConfig:
    app_name: str = "warroom"
    bot_display_name: str = "warroom"
    commands: dict[str, SlashCommand] | None = None      # None = accept any command
    shortcuts: dict[str, Shortcut] | None = None         # None = accept any callback_id
    bot_scopes: set[str] = field(default_factory=lambda: set(ALL_SCOPES))
    bot_events: set[str] = field(default_factory=lambda: set(DEFAULT_BOT_EVENTS))
    home_tab_enabled: bool = True
    messages_tab_enabled: bool = True

    def command(self, name: str) -> SlashCommand | None:
        """The manifest's command, a permissive one when there is no manifest."""
        if self.commands is None:
            return SlashCommand(command=name)
        return self.commands.get(name)

    def shortcut(self, callback_id: str, kind: str) -> Shortcut | None:
        if self.shortcuts is None:
            return Shortcut(callback_id=callback_id, type=kind)
        found = self.shortcuts.get(callback_id)
        return found if found and found.type == kind else None


def parse_manifest(manifest: dict[str, Any] | None) -> AppConfig:
    """Build the run-time app configuration; tolerant of missing sections."""
    if manifest is None:
        return AppConfig()
    display = manifest.get("display_information") or {}
    features = manifest.get("features") or {}
    bot_user = features.get("bot_user") or {}
    home = features.get("app_home") or {}
    oauth = (manifest.get("oauth_config") or {}).get("scopes") or {}
    events = ((manifest.get("settings") or {}).get("event_subscriptions") or {})
    commands = {}
    for item in features.get("slash_commands") or []:
        cmd = SlashCommand(command=str(item["command"]),
                           should_escape=bool(item.get("should_escape", False)),
                           description=str(item.get("description", "")),
                           usage_hint=str(item.get("usage_hint", "")))
        commands[cmd.command] = cmd
    shortcuts = {}
    for item in features.get("shortcuts") or []:
        sc = Shortcut(callback_id=str(item["callback_id"]), type=str(item.get("type", "global")),
                      name=str(item.get("name", "")))
        shortcuts[sc.callback_id] = sc
    name = str(display.get("name") or "app")
    return AppConfig(
        app_name=name,
        bot_display_name=str(bot_user.get("display_name") or name),
        commands=commands,
        shortcuts=shortcuts,
        bot_scopes=set(oauth.get("bot") or []),
        bot_events=set(events.get("bot_events") or []),
        home_tab_enabled=bool(home.get("home_tab_enabled", False)),
        messages_tab_enabled=bool(home.get("messages_tab_enabled", True)),
    )
