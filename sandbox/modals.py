"""Modals from the person's side: submitting (with Slack's client-side
required check), closing, and applying the app's response_action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import payloads
from .blockkit import validate_view
from .errors import SlackError
from .interactions import find_element
from .records import Envelope
from .results import InteractionResult
from .viewstate import is_empty, iter_stateful, typed_value
from .views import ViewRecord

if TYPE_CHECKING:
    from .core import Core


def submit_view(core: "Core", user: str, values: dict[str, Any] | None) -> InteractionResult:
    with core.lock:
        rec = core.views.top(user)
        if rec is None:
            raise LookupError("no modal open")
        if not rec.source.get("submit"):
            raise ValueError("this view has no submit button")
        for key, value in (values or {}).items():
            found = find_element(rec.blocks, key)
            if found is None:
                raise LookupError(f"no input {key!r} in the view")
            block, el = found
            rec.values.setdefault(block["block_id"], {})[el["action_id"]] = \
                typed_value(el, value, core.ws)
        _check_required(rec)
        start = core.feed.next_seq_peek()
        payload = payloads.view_submission(core, user_id=user, view=rec.to_slack(),
                                           trigger_id=core.mint_trigger(user))
        env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(),
                       payload=payload, accepts_response_payload=True)
        result = InteractionResult(core, env, user=user, channel=None, ref=None, feed_start=start)
        env.on_ack = lambda _e, ack: _apply_view_ack(core, user, rec, ack, result)
    core.hub.send(env)
    # Slack's client waits for the ack before it closes or updates the modal.
    env.wait(core.settings.ack_timeout + 1.0)
    return result


def _check_required(rec: ViewRecord) -> None:
    for block, el in iter_stateful(rec.blocks):
        if block.get("type") != "input" or block.get("optional"):
            continue
        state = rec.values.get(block["block_id"], {}).get(el["action_id"])
        if state is None or is_empty(state):
            label = block.get("label", {}).get("text", block["block_id"])
            raise ValueError(f"{label!r} is required (Slack won't submit the view)")


def _apply_view_ack(core: "Core", user: str, rec: ViewRecord, ack: dict[str, Any],
                    result: InteractionResult) -> None:
    action = ack.get("response_action")
    views = core.views
    try:
        if action == "errors":
            result._errors = dict(ack.get("errors") or {})
        elif action in ("update", "push"):
            view = ack.get("view") or {}
            problems = validate_view(view)
            if problems:
                result.refused = "invalid view in response_action: " + "; ".join(problems)
                return
            if action == "update":
                views.replace(rec, view, None)
            else:
                views.push(user, view)
        elif action == "clear":
            views.clear(user)
        else:
            top = views.top(user)
            if top is not None and top.id == rec.id:
                views.stacks[user].pop()
    except SlackError as err:
        result.refused = err.code


def close_view(core: "Core", user: str) -> InteractionResult | None:
    with core.lock:
        rec = core.views.top(user)
        if rec is None:
            raise LookupError("no modal open")
        cleared = bool(rec.source.get("clear_on_close"))
        core.views.pop(user)
        if not rec.source.get("notify_on_close"):
            return None
        payload = payloads.view_closed(core, user_id=user, view=rec.to_slack(),
                                       is_cleared=cleared)
        env = Envelope(type="interactive", envelope_id=core.ws.ids.envelope_id(), payload=payload)
        result = InteractionResult(core, env, user=user, channel=None, ref=None,
                                   feed_start=core.feed.next_seq_peek())
    core.hub.send(env)
    return result
