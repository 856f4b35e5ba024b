"""dnd.info as Slack documents it: ``user`` (default: the caller), ``team_id``; scope dnd:read; Tier 3.

For another person Slack shows ``dnd_enabled`` and their next window (``next_dnd_start_ts`` …
``next_dnd_end_ts``); the ``snooze_*`` fields only to the person themselves (a user token), and
``snooze_endtime``/``snooze_remaining`` only while a snooze is on. A person without a window gets
``dnd_enabled: false`` and the timestamps as 1 (what Slack answers for "never")."""

from __future__ import annotations

import time
from typing import Any

from ..errors import SlackError
from .base import Ctx, method


@method("dnd.info", scopes=("dnd:read",))
def dnd_info(ctx: Ctx) -> dict[str, Any]:
    ref = ctx.params.str("user")
    if not ref:
        # a bot token has no Do Not Disturb of its own; Slack answers for the bot user
        user = ctx.ws.users.get(ctx.bot)
    else:
        user = ctx.ws.users.get(ref)
        if user is None or (user.is_bot and user.id != ctx.bot):
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_not_visible")
    now = time.time()
    if user is None or user.dnd_start is None or user.dnd_end is None:
        answer: dict[str, Any] = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
    else:
        answer = {"dnd_enabled": user.dnd_end > now, "next_dnd_start_ts": int(user.dnd_start),
                  "next_dnd_end_ts": int(user.dnd_end)}
    if ctx.token_kind == "user" and user is not None and ref in (None, user.id):
        snoozed = user.snooze_end is not None and user.snooze_end > now
        answer["snooze_enabled"] = snoozed
        if snoozed:
            answer.update(snooze_endtime=int(user.snooze_end), snooze_remaining=int(user.snooze_end - now),
                          snooze_is_indefinite=False)
    return answer
