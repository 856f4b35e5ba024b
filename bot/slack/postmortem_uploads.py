"""The postmortem effects: ``postmortem.draft`` hands the domain people's names; ``postmortem.upload``
shares a version as a Markdown file through Slack's upload flow (files.getUploadURLExternal, the bytes,
then files.completeUploadExternal). ``/incident postmortem`` is in bot.slack.incidents.command, its
buttons in bot.slack.postmortems.

A crash can come between any two of those calls. The file's id is recorded before it is shared; a
retry that finds one looks for that file in the channel and, if it is there, records the share instead
of uploading again. A file never completed is never shown (Slack drops it), so starting over is safe.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

import aiohttp

from bot.config import Config
from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.incidents.service import IncidentService
from bot.postmortems.service import Postmortems
from bot.slack.api import SlackApi
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.text import channel_link
from kernel.incidents import Incident
from kernel.outbox import Effect
from storage.postmortems import PostmortemVersion

TEXTS = "postmortem/slack"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)
# the AI's narrative of an incident, or None (bot.ai.drafts.AiDrafts.narrative: off, not allowed, failed)
Narrative = Callable[[int], Awaitable["str | None"]]


def web_link(config: Config, incident_id: int) -> str | None:
    base = config.web.public_url
    return f"{base}/incidents/{incident_id}/postmortem" if base else None


class PostmortemUploads:
    def __init__(self, api: SlackApi, directory: Directory, render: RenderContext, incidents: IncidentService,
                 postmortems: Postmortems, config: Config, narrative: Narrative | None = None) -> None:
        self.api = api
        self.directory = directory
        self.render = render
        self.incidents = incidents
        self.postmortems = postmortems
        self.config = config
        self.narrative = narrative

    async def draft(self, effect: Effect) -> dict:
        incident_id = int(effect.payload["incident"])
        names = self.directory.cached_name
        told = None
        if self.narrative is not None and self.postmortems.draft_made_by(effect.id) is None:
            told = await self.narrative(incident_id)   # None, quickly, when AI is off, not allowed or failing
        made = self.postmortems.make_draft(effect.id, incident_id, by=effect.payload.get("by"),
                                           replace=bool(effect.payload.get("replace")),
                                           name_of=lambda user: names(user) or user, narrative=told)
        return {"version": made.id if made else None}

    async def channel_for(self, incident: Incident) -> str:
        """The postmortems channel; the incident's own channel when none is configured, and for a
        private incident (its record stays among its members)."""
        if self.config.channels.postmortems and not incident.is_private:
            return await self.directory.member_channel_id(self.config.channels.postmortems)
        if not incident.channel_id:
            raise NotReady(f"incident {incident.id} has no channel yet")
        return incident.channel_id

    async def upload(self, effect: Effect) -> dict:
        version = self.postmortems.version(int(effect.payload["version"]))
        incident = self.render.incidents.get(int(effect.payload["incident"]))
        if version is None or incident is None:
            raise Permanent(f"postmortem version {effect.payload['version']} does not exist")
        done = self.postmortems.upload(effect.id)
        if done is not None and done.shared_at is not None:
            return {"file": done.file_id, "channel": done.channel}
        if done is not None and effect.maybe_performed:
            ts = await self._shared_in(done.channel, done.file_id, since=effect.first_attempt_at)
            if ts is not None:
                self.postmortems.upload_shared(effect.id, message_ts=ts)
                return {"file": done.file_id, "channel": done.channel}
        channel = await self.channel_for(incident)
        content = version.body.encode("utf-8")
        reserved = await self.api.call("files.getUploadURLExternal", filename=_filename(incident, version),
                                       length=len(content))
        file_id = reserved["file_id"]
        self.postmortems.upload_started(effect.id, version.id, channel=channel, file_id=file_id)
        await _send_bytes(reserved["upload_url"], content)
        comment = self.render.texts.mrkdwn(TEXTS, "shared", incident=incident, version=version,
                                           own_channel=channel == incident.channel_id,
                                           open_followups=len(self.render.incidents.followups(incident.id,
                                                                                              open_only=True)),
                                           web=web_link(self.config, incident.id))
        await self.api.call("files.completeUploadExternal", json=True, channel_id=channel, initial_comment=comment,
                            files=[{"id": file_id, "title": f"Postmortem: incident #{incident.id}, {incident.title}"}])
        # Slack answers with the file, not the message: the share is among the channel's newest messages
        ts = await self._shared_in(channel, file_id, since=None, limit=20)
        self.postmortems.upload_shared(effect.id, message_ts=ts)
        return {"file": file_id, "channel": channel}

    async def _shared_in(self, channel: str, file_id: str, *, since: float | None, limit: int = 200) -> str | None:
        """The ts of the message that shared the file in the channel, if it is there."""
        params: dict[str, Any] = {"channel": channel, "limit": limit}
        if since:
            params["oldest"] = f"{since - 120:.6f}"   # clocks differ a little
        data = await self.api.call("conversations.history", patient=True, **params)
        for message in data.get("messages", []):
            if any(f.get("id") == file_id for f in message.get("files") or []):
                return message["ts"]
        return None


def _filename(incident: Incident, version: PostmortemVersion) -> str:
    return f"postmortem-incident-{incident.id}-v{version.number}.md"


async def _send_bytes(url: str, content: bytes) -> None:
    try:
        async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session:
            async with session.post(url, data=content,
                                    headers={"Content-Type": "application/octet-stream"}) as response:
                status = response.status
                text = (await response.text())[:200]
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise RetryLater(f"file upload: {type(exc).__name__}") from None
    if status >= 500 or status == 429:
        raise RetryLater(f"file upload: HTTP {status}")
    if status == 404:   # the upload URL is gone: the next attempt asks for a new one
        raise RetryLater("file upload: the upload URL expired")
    if status != 200:
        raise Permanent(f"file upload: HTTP {status}: {text}")


def where_shared(config: Config, incident: Incident) -> str:
    """Where the file goes (see PostmortemUploads.channel_for), as a channel link."""
    configured = config.channels.postmortems
    if configured and not incident.is_private:
        return channel_link(configured) if CHANNEL_ID.match(configured) else channel_link(None, configured)
    return channel_link(incident.channel_id, incident.channel_name)
