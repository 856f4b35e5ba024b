"""views.open / push / update / publish."""

from __future__ import annotations

import json
from typing import Any

from ..blockkit import validate_view
from ..errors import SlackError
from .base import Ctx, method

VIEW_MAX_BYTES = 250_000


def _view_arg(ctx: Ctx, *, kind: str | None) -> dict[str, Any]:
    view = ctx.params.json("view")
    if view is None:
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] missing required field: view"]})
    if len(json.dumps(view)) > VIEW_MAX_BYTES:
        raise SlackError("view_too_large")
    errors = validate_view(view)
    if kind and not errors and view.get("type") != kind:
        errors = [f"[ERROR] must be one of the provided enum values: {kind} "
                  "[json-pointer:/view/type]"]
    if errors:
        raise SlackError("invalid_arguments", response_metadata={"messages": errors})
    return view


def _trigger(ctx: Ctx) -> str:
    trigger_id = ctx.params.str("trigger_id") or ctx.params.str("interactivity_pointer")
    return ctx.core.triggers.consume(trigger_id)


@method("views.open")
def open_(ctx: Ctx) -> dict[str, Any]:
    view = _view_arg(ctx, kind="modal")
    user = _trigger(ctx)
    return {"view": ctx.core.views.open(user, view).to_slack()}


@method("views.push")
def push(ctx: Ctx) -> dict[str, Any]:
    view = _view_arg(ctx, kind="modal")
    user = _trigger(ctx)
    return {"view": ctx.core.views.push(user, view).to_slack()}


@method("views.update")
def update(ctx: Ctx) -> dict[str, Any]:
    view_id = ctx.params.str("view_id")
    external_id = ctx.params.str("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] view_id or external_id is required"]})
    view = _view_arg(ctx, kind=None)
    rec = ctx.core.views.find(view_id, external_id)
    if view.get("type") != rec.type:
        raise SlackError("invalid_arguments", response_metadata={
            "messages": [f"[ERROR] must be {rec.type} [json-pointer:/view/type]"]})
    return {"view": ctx.core.views.replace(rec, view, ctx.params.str("hash")).to_slack()}


@method("views.publish")
def publish(ctx: Ctx) -> dict[str, Any]:
    user = ctx.user("user_id")
    view = _view_arg(ctx, kind="home")
    if not ctx.core.config.home_tab_enabled:
        raise SlackError("not_enabled")
    rec = ctx.core.views.publish(user.id, view, ctx.params.str("hash"))
    return {"view": rec.to_slack()}
