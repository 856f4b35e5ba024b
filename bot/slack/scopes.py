"""Which bot scopes each Web API method and event needs (Slack's docs), for doctor and the manifest test."""

from __future__ import annotations

# A method used for both public and private channels needs the scopes for both.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "apps.connections.open": (),
    "conversations.create": ("channels:manage", "groups:write"),
    "conversations.invite": ("channels:manage", "groups:write"),
    "conversations.setTopic": ("channels:manage", "groups:write"),
    "conversations.setPurpose": ("channels:manage", "groups:write"),
    "conversations.archive": ("channels:manage", "groups:write"),
    "conversations.list": ("channels:read", "groups:read"),
    "conversations.info": ("channels:read", "groups:read"),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.open": ("im:write",),
    "conversations.join": ("channels:join",),
    "chat.postMessage": ("chat:write", "chat:write.public"),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "pins.add": ("pins:write",),
    "pins.remove": ("pins:write",),
    "bookmarks.add": ("bookmarks:write",),
    "bookmarks.list": ("bookmarks:read",),
    "reactions.add": ("reactions:write",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "usergroups.create": ("usergroups:write",),
    "usergroups.users.update": ("usergroups:write",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "dnd.info": ("dnd:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "pin_added": ("pins:read",),
    "member_joined_channel": ("channels:read", "groups:read"),
    "member_left_channel": ("channels:read", "groups:read"),
    "app_home_opened": (),
    "app_mention": ("app_mentions:read",),
}

# Bolt listens to "message"; the manifest subscribes per conversation type.
EVENT_SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "message": ("message.channels", "message.groups"),
}

BASE_SCOPES = ("commands",)


def needed_scopes(methods: set[str], events: set[str]) -> set[str]:
    needed = set(BASE_SCOPES)
    for method in methods:
        needed.update(METHOD_SCOPES.get(method, ()))
    for event in events:
        needed.update(EVENT_SCOPES.get(event, ()))
    return needed
