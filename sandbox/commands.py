"""A person typing a slash command, and what Slack shows them afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import messaging, payloads
from .records import Envelope
from .responses import ResponseUrl
from .results import CommandResult
from .state import Channel
from .text import escape_command_text

if TYPE_CHECKING:
    from .core import Core

NOT_A_COMMAND = ('{cmd} is not a valid command. In Slack, all messages that start with the "/" '
                 'character are interpreted as commands.\n\nIf you are trying to send a message '
                 'and not run a command, try preceding the "/" with an empty space.')
FAILED = '{cmd} failed with the error "{error}"'


def resolve_conversation(core: "Core", user_id: str, ref: str) -> Channel:
    """Where the person is typing: a channel they are in, or "dm" (their DM with the app)."""
    ws = core.ws
    if ref in ("dm", "im", "app"):
        return ws.open_im(user_id)
    chan = ws.channel(ref)
    if chan is None:
        raise ValueError(f"no conversation {ref!r}")
    if user_id not in chan.members:
        raise ValueError(f"{ws.users[user_id].name} is not a member of #{chan.name}")
    if chan.is_archived:
        raise ValueError(f"#{chan.name} is archived")
    return chan


def run_command(core: "Core", user_id: str, command: str, text: str, channel: str
                ) -> CommandResult:
    if not command.startswith("/"):
        command = "/" + command
    with core.lock:
        chan = resolve_conversation(core, user_id, channel)
        start = core.feed.next_seq_peek()
        spec = core.config.command(command)
        if spec is None:
            core.feed.add(user=user_id, channel=chan.id, source="error",
                          text=NOT_A_COMMAND.format(cmd=command))
            result = CommandResult(core, None, user=user_id, channel=chan.id, ref=None,
                                   feed_start=start)
            result.refused = "not_a_command"
            return result
        rurl = core.responses.mint(user=user_id, channel=chan.id, origin="command")
        payload = payloads.slash_command(
            core, user_id=user_id, channel_id=chan.id, command=command,
            text=escape_command_text(text, core.ws, spec.should_escape),
            response_url=core.responses.url_for(rurl), trigger_id=core.mint_trigger(user_id))
        env = Envelope(type="slash_commands", envelope_id=core.ws.ids.envelope_id(),
                       payload=payload, accepts_response_payload=True)
        env.on_ack = lambda _e, ack: _show_ack(core, rurl, ack)
        env.on_fail = lambda _e, reason: _show_failure(core, rurl, command, reason)
        result = CommandResult(core, env, user=user_id, channel=chan.id, ref=rurl.id,
                               feed_start=start)
    core.hub.send(env)
    return result


def _show_ack(core: "Core", rurl: ResponseUrl, ack: dict[str, Any]) -> None:
    """An ack with a body is the command's immediate reply."""
    text, blocks = ack.get("text"), ack.get("blocks")
    if text is None and blocks is None and not ack.get("attachments"):
        return
    if ack.get("response_type") == "in_channel":
        chan = core.ws.channels[rurl.channel]
        msg = messaging.post(core, chan, user=core.ws.bot_user_id, text=str(text or ""),
                             blocks=blocks, attachments=ack.get("attachments"), as_bot=True)
        core.feed.add(user=rurl.user, channel=chan.id, source="ack", text=str(text or ""),
                      blocks=blocks, response_type="in_channel", ref=rurl.id, message_ts=msg.ts)
        return
    core.feed.add(user=rurl.user, channel=rurl.channel, source="ack", text=str(text or ""),
                  blocks=blocks, attachments=ack.get("attachments"), ref=rurl.id)


def _show_failure(core: "Core", rurl: ResponseUrl, command: str, reason: str) -> None:
    error = "operation_timeout" if reason == "ack_timeout" else reason
    core.feed.add(user=rurl.user, channel=rurl.channel, source="error",
                  text=FAILED.format(cmd=command, error=error), ref=rurl.id)
