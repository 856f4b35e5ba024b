"""files.getUploadURLExternal and files.completeUploadExternal (the upload flow Slack documents now;
files.upload is retired). Both are Tier 4 and need files:write."""

from __future__ import annotations

from typing import Any

from .. import messaging
from ..errors import SlackError
from .base import Ctx, method

MAX_LENGTH = 1024 ** 3        # Slack's per-file limit is 1 GB
MAX_FILES = 10                # completeUploadExternal shares at most ten files at once


@method("files.getUploadURLExternal", scopes=("files:write",))
def get_upload_url(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    name = p.str("filename")
    if not name or "length" not in p:
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] missing required field: " + ("filename" if not name else "length")]})
    length = p.int("length", 0)
    if length <= 0:
        raise SlackError("missing_argument")   # Slack's answer to a length of 0
    if length > MAX_LENGTH:
        raise SlackError("file_upload_size_restricted")
    core = ctx.core
    file = core.files.reserve(ctx.ws.ids.new("F"), name=name, length=length, user=ctx.bot,
                              created=int(float(ctx.ws.clock.next())))
    return {"upload_url": f"{core.base_url}/upload/v1/{file.upload_key}", "file_id": file.id}


@method("files.completeUploadExternal", scopes=("files:write",))
def complete_upload(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    wanted = p.json("files", error="invalid_arguments")
    if not isinstance(wanted, list) or not wanted or len(wanted) > MAX_FILES \
            or not all(isinstance(f, dict) and isinstance(f.get("id"), str) for f in wanted):
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] files must be a list of 1 to 10 objects with an id"]})
    files = []
    for item in wanted:
        file = ctx.core.files.files.get(item["id"])
        if file is None or file.user != ctx.bot or file.completed:
            raise SlackError("file_not_found")
        if file.content is None:
            # Slack's docs name no code for bytes that never arrived; the sandbox says it plainly
            raise SlackError("file_not_uploaded")
        files.append((file, item.get("title")))
    chan = None
    if "channel_id" in p:
        chan = ctx.channel("channel_id")
        if chan.is_archived:
            raise SlackError("is_archived")
        ctx.member_of(chan)
    for file, title in files:
        file.completed = True
        file.title = str(title) if title else file.name
    if chan is not None:
        comment = p.str("initial_comment") or ""
        msg = messaging.post(ctx.core, chan, user=ctx.bot, text=comment, thread_ts=p.str("thread_ts"),
                             files=[f.to_slack(ctx.ws.team_domain) for f, _ in files], as_bot=True)
        for file, _ in files:
            file.shares.setdefault(chan.id, []).append(msg.ts)
        # the message carries the files as they were when shared; now they know their share too
        msg.files = [f.to_slack(ctx.ws.team_domain) for f, _ in files]
    return {"files": [{"id": f.id, "title": f.title} for f, _ in files]}
