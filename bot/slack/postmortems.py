"""Postmortems in Slack: ``/incident postmortem``, its Replace/Keep buttons, and the two effects
(``postmortem.draft`` hands the domain people's names; ``postmortem.upload`` shares a version as a
Markdown file through Slack's upload flow: files.getUploadURLExternal, the bytes, then
files.completeUploadExternal).

A crash can come between any two of those calls. The file's id is recorded before it is shared; a
retry that finds one looks for that file in the channel and, if it is there, records the share instead
of uploading again. A file never completed is never shown (Slack drops it), so starting over is safe.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from slack_sdk.models.blocks import ActionsBlock

from bot.actor import Actor
from bot.config import Config
from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.incidents.service import IncidentService
from bot.postmortems.service import Postmortems
from bot.slack.answers import act_then_ack, reply
from bot.slack.api import SlackApi
from bot.slack.blocks import button, section
from bot.slack.deps import Deps
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.text import channel_link
from kernel.incidents import Incident
from kernel.outbox import Effect
from storage.postmortems import PostmortemVersion

TEXTS = "postmortem/slack"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


def web_link(config: Config, incident_id: int) -> str | None:
    base = config.web.public_url
    return f"{base}/incidents/{incident_id}/postmortem" if base else None


class PostmortemUploads:
    def __init__(self, api: SlackApi, directory: Directory, render: RenderContext, incidents: IncidentService,
                 postmortems: Postmortems, config: Config) -> None:
        self.api = api
        self.directory = directory
        self.render = render
        self.incidents = incidents
        self.postmortems = postmortems
        self.config = config

    async def draft(self, effect: Effect) -> dict:
        incident_id = int(effect.payload["incident"])
        names = self.directory.cached_name
        made = self.postmortems.make_draft(effect.id, incident_id, by=effect.payload.get("by"),
                                           replace=bool(effect.payload.get("replace")),
                                           name_of=lambda user: names(user) or user)
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
        version = self.postmortems.store.version(int(effect.payload["version"]))
        incident = self.incidents.store.get(int(effect.payload["incident"]))
        if version is None or incident is None:
            raise Permanent(f"postmortem version {effect.payload['version']} does not exist")
        done = self.postmortems.store.upload(effect.id)
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
                                           open_followups=len(self.incidents.store.followups(incident.id,
                                                                                            open_only=True)),
                                           web=web_link(self.config, incident.id))
        await self.api.call("files.completeUploadExternal", json=True, channel_id=channel, initial_comment=comment,
                            files=[{"id": file_id, "title": f"Postmortem: incident #{incident.id}, {incident.title}"}])
        ts = await self._shared_in(channel, file_id, since=effect.first_attempt_at)
        self.postmortems.upload_shared(effect.id, message_ts=ts)
        return {"file": file_id, "channel": channel}

    async def _shared_in(self, channel: str, file_id: str, *, since: float | None) -> str | None:
        """The ts of the message that shared the file in the channel, if it is there."""
        params: dict[str, Any] = {"channel": channel, "limit": 200}
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


# the command and its buttons ---------------------------------------------------------------------

def command(deps: Deps, incident: Incident, user: str, reply_to) -> dict[str, Any]:
    """``/incident postmortem`` in the incident's channel."""
    postmortems: Postmortems = deps.postmortems
    asked = postmortems.ask(incident, deps.actor(user), reply_to=reply_to)
    t = deps.texts
    web = web_link(deps.config, incident.id)
    if asked.outcome == "drafting":
        return reply(t.mrkdwn(TEXTS, "drafting", incident=incident, where=_where(deps, incident)))
    current = asked.postmortem.current
    text = t.mrkdwn(TEXTS, "human_edits", incident=incident, author=current.author, at=current.created_at, web=web)
    return reply(text, [section(text), ActionsBlock(block_id="postmortem_choice", elements=[
        button(t.plain(TEXTS, "replace_button"), "postmortem_replace", str(incident.id), style="danger"),
        button(t.plain(TEXTS, "keep_button"), "postmortem_keep", str(incident.id)),
    ])])


def _where(deps: Deps, incident: Incident) -> str:
    """Where the file goes (see PostmortemUploads.channel_for), as a channel link."""
    configured = deps.config.channels.postmortems
    if configured and not incident.is_private:
        return channel_link(configured) if CHANNEL_ID.match(configured) else channel_link(None, configured)
    return channel_link(incident.channel_id, incident.channel_name)


def register(app, deps: Deps) -> None:
    @app.action("postmortem_replace")
    async def replace(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident = deps.incidents.get(int(body["actions"][0]["value"]))
            deps.postmortems.replace(incident, _clicker(deps, body, incident))
            answer = deps.texts.mrkdwn(TEXTS, "replaced", incident=incident, where=_where(deps, incident))
            return {**reply(answer), "replace_original": True}
        await act_then_ack(deps, ack, body, "postmortem_replace", work)

    @app.action("postmortem_keep")
    async def keep(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident = deps.incidents.get(int(body["actions"][0]["value"]))
            deps.postmortems.keep(incident, _clicker(deps, body, incident))
            return {**reply(deps.texts.mrkdwn(TEXTS, "kept", incident=incident)), "replace_original": True}
        await act_then_ack(deps, ack, body, "postmortem_keep", work)


def _clicker(deps: Deps, body: dict[str, Any], incident: Incident) -> Actor:
    user = body["user"]["id"]
    in_channel = deps.directory.cached_membership(incident.channel_id, user) if incident.channel_id else None
    return deps.actor(user, in_channel=in_channel)
