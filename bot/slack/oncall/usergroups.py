"""Slack user groups kept in step with on-call schedules: the ``oncall.sync_usergroup`` effect.

The effect reads who is on call when it runs, so a late or repeated run writes the current members,
never stale ones; like every surface, a group is written only when its members changed (what was last
written is kept in the surfaces table, so a restart or another replica knows it too). A handle in warroom.yml is looked up (usergroups.list) and made when missing
(usergroups.create); an ID is used as given.
"""

from __future__ import annotations

import re
from typing import Any

from bot.clock import Clock
from bot.effects.errors import Permanent
from bot.logs import get_logger
from bot.oncall.routine import ShiftRoutine
from bot.slack.api import SlackApi, SlackCallError
from bot.work import Work
from kernel.outbox import Effect
from storage.surfaces import SurfaceStore

log = get_logger("warroom.slack.usergroups")

_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")


class UserGroupSync:
    def __init__(self, api: SlackApi, routine: ShiftRoutine, written: SurfaceStore, work: Work, clock: Clock) -> None:
        self.api = api
        self.routine = routine
        self.written = written
        self.work = work
        self.clock = clock
        self._ids: dict[str, str] = {}        # handle -> ID, learnt once

    async def sync(self, effect: Effect) -> dict[str, Any]:
        handle = effect.payload["usergroup"]
        members = self.routine.members(handle)
        if not members:
            # Slack cannot empty a group (no_users_provided); it keeps whoever was on call last
            log.info("usergroup.nobody_on_call", usergroup=handle)
            return {"skipped": "nobody on call"}
        group = await self.group_id(handle)
        key, listed = f"usergroup:{group}", ",".join(members)
        last = self.written.get(key)
        if last is not None and last.digest == listed:
            return {"usergroup": group, "users": members, "unchanged": True}
        try:
            await self.api.call("usergroups.users.update", expect=("no_such_subteam",), usergroup=group,
                                users=",".join(members))
        except SlackCallError:
            self._ids.pop(handle, None)     # deleted since we learnt its ID: look it up (or make it) again
            raise Permanent(f"user group {handle} ({group}) no longer exists; it is made again at the next handoff") \
                from None
        with self.work():
            self.written.save(key, channel=None, ts=None, digest=listed, at=self.clock.time())
        return {"usergroup": group, "users": members}

    async def group_id(self, handle: str) -> str:
        if _GROUP_ID.match(handle):
            return handle
        if handle in self._ids:
            return self._ids[handle]
        found = await self._find(handle)
        if found is None:
            try:
                made = await self.api.call("usergroups.create", expect=("name_already_exists",), name=handle,
                                           handle=handle, description="Who is on call now; kept by warroom")
                found = made["usergroup"]["id"]
            except SlackCallError:
                # a group of that name (or a person with that handle) exists: a disabled group is listed too
                found = await self._find(handle)
                if found is None:
                    raise Permanent(f"cannot make user group @{handle}: its name or handle is taken; "
                                    "choose another handle in warroom.yml") from None
        self._ids[handle] = found
        return found

    async def _find(self, handle: str) -> str | None:
        data = await self.api.call("usergroups.list", include_disabled=True)
        return next((g["id"] for g in data.get("usergroups", []) if g.get("handle") == handle), None)
