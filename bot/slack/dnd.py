"""Is a person in Do Not Disturb? ``dnd.info`` (Tier 3, dnd:read), asked before a page counts on Slack."""

from __future__ import annotations

from bot.slack.api import SlackApi, SlackCallError
from bot.clock import Clock


class DoNotDisturb:
    def __init__(self, api: SlackApi, clock: Clock) -> None:
        self.api = api
        self.clock = clock

    async def reason(self, user: str) -> str | None:
        """Why Slack would keep a page silent for ``user`` now, or None.

        A bot token sees the person's Do Not Disturb window (``next_dnd_start_ts`` … ``next_dnd_end_ts``);
        Slack shows snooze fields only to the person themselves, but when they are there they count too.
        """
        try:
            info = await self.api.call("dnd.info", user=user, expect=("user_not_found", "user_not_visible"))
        except SlackCallError:
            return None     # not someone Slack knows: the DM itself will say so
        now = self.clock.time()
        if info.get("snooze_enabled") and float(info.get("snooze_endtime") or 0) > now:
            return "snoozed in Slack"
        start, end = info.get("next_dnd_start_ts"), info.get("next_dnd_end_ts")
        if info.get("dnd_enabled") and start and end and float(start) <= now < float(end):
            return "in Do Not Disturb in Slack"
        return None
