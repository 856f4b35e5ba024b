"""Is a person in Do Not Disturb? ``dnd.info`` (Tier 3, dnd:read), asked before a page counts on Slack."""

from __future__ import annotations

from bot.slack.api import SlackApi, SlackCallError
from bot.clock import Clock


CACHE_SECONDS = 60.0    # dnd.info is Tier 3 (50/min): a storm paging one person asks once a minute, not per page


class DoNotDisturb:
    def __init__(self, api: SlackApi, clock: Clock) -> None:
        self.api = api
        self.clock = clock
        self._known: dict[str, tuple[float, dict]] = {}     # user -> (when asked, Slack's answer)

    async def reason(self, user: str) -> str | None:
        """Why Slack would keep a page silent for ``user`` now, or None.

        A bot token sees the person's Do Not Disturb window (``next_dnd_start_ts`` … ``next_dnd_end_ts``);
        Slack shows snooze fields only to the person themselves, but when they are there they count too.
        """
        now = self.clock.time()
        asked, info = self._known.get(user, (0.0, {}))
        if now - asked > CACHE_SECONDS:
            try:
                info = await self.api.call("dnd.info", user=user, expect=("user_not_found", "user_not_visible"))
            except SlackCallError:
                return None     # not someone Slack knows: the DM itself will say so
            self._known[user] = (now, info)
        if info.get("snooze_enabled") and float(info.get("snooze_endtime") or 0) > now:
            return "snoozed in Slack"
        start, end = info.get("next_dnd_start_ts"), info.get("next_dnd_end_ts")
        if info.get("dnd_enabled") and start and end and float(start) <= now < float(end):
            return "in Do Not Disturb in Slack"
        return None
