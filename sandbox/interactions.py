"""A person clicking, selecting, submitting and closing: builds the
interactive envelope Slack would send and applies the app's ack like Slack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import payloads
from .blockkit import iter_elements
from .commands import resolve_conversation
from .records import Envelope
from .results import InteractionResult
from .viewstate import typed_value
from .views import ViewRecord

if TYPE_CHECKING:
    from .core import Core

Found = tuple[dict[str, Any], dict[str, Any]]   # (block, element)


def _label(el: dict[str, Any]) -> str:
    text = el.get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def find_button(blocks: list[dict[str, Any]], label: str, value: str | None = None
                ) -> Found | None:
    for block in blocks:
        for el in iter_elements(block):
            if el.get("type") not in ("button", "workflow_button"):
                continue
            if label in (_label(el), el.get("action_id")) and \
                    (value is None or el.get("value") == value):
                return block, el
    return None


def find_element(blocks: list[dict[str, Any]], action_id: str) -> Found | None:
    for block in blocks:
        for el in iter_elements(block):
            key = f"{block.get('block_id')}.{el.get('action_id')}"
            if action_id in (el.get("action_id"), key):
                return block, el
    return None


class _Target:
    """Where the click happens: a channel message, an ephemeral, or a view."""

    def __init__(self, *, blocks: list[dict[str, Any]], channel: str | None = None,
                 message: dict[str, Any] | None = None, ephemeral: dict[str, Any] | None = None,
                 view: ViewRecord | None = None) -> None:
        self.blocks, self.channel, self.message = blocks, channel, message
        self.ephemeral, self.view = ephemeral, view


def _message_target(core: "Core", user: str, chan_id: str, ts: str) -> _Target | None:
    chan = core.ws.channels.get(chan_id)
    msg = chan.messages.get(ts) if chan else None
    if chan is not None and msg is not None and not msg.deleted:
        shaped = core.ws.message_dict(chan, msg)
        return _Target(blocks=shaped.get("blocks") or [], channel=chan_id, message=shaped)
    rec = core.feed.find(user, ts)
    if rec is not None and rec["channel"] == chan_id:
        return _Target(blocks=rec.get("blocks") or [], channel=chan_id, ephemeral=rec)
    return None


def _locate(core: "Core", user: str, matcher: Any, *, channel: str | None, ts: str | None,
            message: dict[str, Any] | None) -> tuple[_Target, Found]:
    ws = core.ws
    candidates: list[_Target] = []
    if message is not None:
        if "source" in message:      # a record from Sandbox.ephemerals()
            rec = core.feed.find(user, message["ts"])
            if rec is None:
                raise LookupError("that ephemeral message was not shown to this user")
            candidates.append(_Target(blocks=rec.get("blocks") or [], channel=rec["channel"],
                                      ephemeral=rec))
        else:
            chan_ids = [resolve_conversation(core, user, channel).id] if channel else \
                [c.id for c in ws.channels.values() if message["ts"] in c.messages]
            for cid in chan_ids:
                target = _message_target(core, user, cid, message["ts"])
                if target:
                    candidates.append(target)
    elif channel is not None:
        chan = resolve_conversation(core, user, channel)
        if ts is not None:
            target = _message_target(core, user, chan.id, ts)
            if target:
                candidates.append(target)
        else:
            # Newest first across channel messages (threads too) and this user's ephemerals.
            pool: list[tuple[str, _Target]] = []
            for msg in chan.messages.values():
                if not msg.deleted:
                    pool.append((msg.ts, _Target(blocks=msg.blocks or [], channel=chan.id,
                                                 message=ws.message_dict(chan, msg))))
            for rec in core.feed.records:
                if rec["user"] == user and rec["channel"] == chan.id and rec["is_ephemeral"] \
                        and not rec["replaced"] and not rec["deleted"]:
                    pool.append((rec["ts"], _Target(blocks=rec.get("blocks") or [],
                                                    channel=chan.id, ephemeral=rec)))
            candidates = [t for _, t in sorted(pool, key=lambda p: float(p[0]), reverse=True)]
    else:
        raise ValueError("say where to click: channel=, channel= and ts=, message=, "
                         "in_view=True or in_home=True")
    for target in candidates:
        found = matcher(target.blocks)
        if found:
            return target, found
    raise LookupError("no such element in the targeted message(s)")


def _view_target(core: "Core", user: str, in_home: bool) -> _Target:
    rec = core.views.home(user) if in_home else core.views.top(user)
    if rec is None:
        raise LookupError("no home tab published" if in_home else "no modal open")
    return _Target(blocks=rec.blocks, view=rec)


def _dispatch(core: "Core", user: str, target: _Target, action: dict[str, Any], start: int
              ) -> InteractionResult:
    """Build and send a block_actions envelope for ``action`` at ``target``."""
    trigger = core.mint_trigger(user)
    ref = None
    if target.view is not None:
        container = {"type": "view", "view_id": target.view.id}
        payload = payloads.block_actions(core, user_id=user, actions=[action],
                                         container=container, trigger_id=trigger,
                                         view=target.view.to_slack())
    else:
        assert target.channel is not None
        is_eph = target.ephemeral is not None
        msg_ts = target.ephemeral["ts"] if is_eph else target.message["ts"]  # type: ignore[index]
        rurl = core.responses.mint(user=user, channel=target.channel,
                                   origin="ephemeral" if is_eph else "message",
                                   message_ts=msg_ts)
        ref = rurl.id
        container = {"type": "message", "message_ts": msg_ts, "channel_id": target.channel,
                     "is_ephemeral": is_eph}
        # Slack leaves the message out of block_actions from ephemeral messages.
        payload = payloads.block_actions(core, user_id=user, actions=[action],
                                         container=container, trigger_id=trigger,
                                         channel_id=target.channel,
                                         message=None if is_eph else target.message,
                                         response_url=core.responses.url_for(rurl))
    env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(), payload=payload)
    return InteractionResult(core, env, user=user, channel=target.channel, ref=ref,
                             feed_start=start)


def _find(core: "Core", user: str, matcher, what: str, *, channel: str | None, ts: str | None,
          message: dict[str, Any] | None, in_view: bool, in_home: bool):
    """The interactive element a person acts on: in their open view or home tab, or on a message."""
    if in_view or in_home:
        target = _view_target(core, user, in_home)
        found = matcher(target.blocks)
        if not found:
            raise LookupError(f"no {what} in the view")
        return target, found
    return _locate(core, user, matcher, channel=channel, ts=ts, message=message)


def click(core: "Core", user: str, label: str, *, channel: str | None = None,
          ts: str | None = None, message: dict[str, Any] | None = None,
          value: str | None = None, in_view: bool = False, in_home: bool = False
          ) -> InteractionResult:
    def matcher(blocks: list[dict[str, Any]]) -> Found | None:
        return find_button(blocks, label, value)

    with core.lock:
        start = core.feed.next_seq_peek()
        target, found = _find(core, user, matcher, f"button {label!r}", channel=channel, ts=ts, message=message,
                              in_view=in_view, in_home=in_home)
        result = _dispatch(core, user, target, payloads.button_action(*found), start)
    assert result.envelope is not None
    core.hub.send(result.envelope)
    return result


def select(core: "Core", user: str, action_id: str, value: Any, *, channel: str | None = None,
           ts: str | None = None, message: dict[str, Any] | None = None,
           in_view: bool = False, in_home: bool = False) -> InteractionResult:
    def matcher(blocks: list[dict[str, Any]]) -> Found | None:
        return find_element(blocks, action_id)

    with core.lock:
        start = core.feed.next_seq_peek()
        target, found = _find(core, user, matcher, f"element {action_id!r}", channel=channel, ts=ts,
                              message=message, in_view=in_view, in_home=in_home)
        block, el = found
        state = typed_value(el, value, core.ws)
        if target.view is not None:
            target.view.values.setdefault(block["block_id"], {})[el["action_id"]] = state
            # Inputs only update state unless they dispatch actions (dispatch_action).
            if block.get("type") == "input" and not block.get("dispatch_action"):
                return InteractionResult(core, None, user=user, channel=None, ref=None,
                                         feed_start=start)
        action = payloads.select_action(block, el, {k: v for k, v in state.items()
                                                    if k != "type"})
        result = _dispatch(core, user, target, action, start)
    assert result.envelope is not None
    core.hub.send(result.envelope)
    return result


def suggest(core: "Core", user: str, action_id: str, typed: str, *,
            channel: str | None = None, ts: str | None = None,
            message: dict[str, Any] | None = None, in_view: bool = False) -> InteractionResult:
    """Typing into an external_select: a block_suggestion whose ack carries the options."""
    def matcher(blocks: list[dict[str, Any]]) -> Found | None:
        found = find_element(blocks, action_id)
        return found if found and found[1].get("type", "").endswith("external_select") else None

    with core.lock:
        start = core.feed.next_seq_peek()
        if in_view:
            target = _view_target(core, user, False)
            found = matcher(target.blocks)
            if not found:
                raise LookupError(f"no external select {action_id!r} in the view")
        else:
            target, found = _locate(core, user, matcher, channel=channel, ts=ts, message=message)
        block, el = found
        payload = {"type": "block_suggestion", "user": payloads.user_ref(core, user),
                   "container": ({"type": "view", "view_id": target.view.id} if target.view
                                 else {"type": "message", "channel_id": target.channel,
                                       "message_ts": (target.ephemeral or target.message
                                                      or {}).get("ts"),
                                       "is_ephemeral": target.ephemeral is not None}),
                   "api_app_id": core.ws.app_id, "token": core.verification_token,
                   "action_id": el["action_id"], "block_id": block["block_id"], "value": typed,
                   "team": payloads.team_ref(core), "enterprise": None,
                   "is_enterprise_install": False}
        if target.view is not None:
            payload["view"] = target.view.to_slack()
        else:
            payload["channel"] = core.channel_ref(target.channel or "")
            if target.message is not None:
                payload["message"] = target.message
        env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(),
                       payload=payload, accepts_response_payload=True)
        result = InteractionResult(core, env, user=user, channel=target.channel, ref=None,
                                   feed_start=start)
    core.hub.send(env)
    return result


# --- shortcuts ------------------------------------------------------------------------------
def shortcut(core: "Core", user: str, callback_id: str) -> InteractionResult:
    with core.lock:
        if core.config.shortcut(callback_id, "global") is None:
            raise ValueError(f"the app has no global shortcut {callback_id!r}")
        payload = payloads.shortcut(core, user_id=user, callback_id=callback_id,
                                    trigger_id=core.mint_trigger(user))
        env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(), payload=payload)
        result = InteractionResult(core, env, user=user, channel=None, ref=None,
                                   feed_start=core.feed.next_seq_peek())
    core.hub.send(env)
    return result


def message_shortcut(core: "Core", user: str, callback_id: str, channel: str, ts: str
                     ) -> InteractionResult:
    with core.lock:
        if core.config.shortcut(callback_id, "message") is None:
            raise ValueError(f"the app has no message shortcut {callback_id!r}")
        chan = resolve_conversation(core, user, channel)
        msg = chan.messages.get(ts)
        if msg is None or msg.deleted:
            raise LookupError(f"no message {ts} in #{chan.name}")
        start = core.feed.next_seq_peek()
        rurl = core.responses.mint(user=user, channel=chan.id, origin="shortcut")
        payload = payloads.message_action(
            core, user_id=user, callback_id=callback_id, channel_id=chan.id,
            message=core.ws.message_dict(chan, msg), trigger_id=core.mint_trigger(user),
            response_url=core.responses.url_for(rurl))
        env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(), payload=payload)
        result = InteractionResult(core, env, user=user, channel=chan.id, ref=rurl.id,
                                   feed_start=start)
    core.hub.send(env)
    return result
