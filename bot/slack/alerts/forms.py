"""The /il-alert form."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.alerts.model import MAX_DETAILS, MAX_SUMMARY
from bot.alerts.service import RaiseOptions
from bot.slack.blocks import context_line, fit
from bot.slack.forms import metadata_json
from bot.text import Texts

REPLIES = "alerts/replies"


def raise_modal(t: Texts, options: RaiseOptions, metadata: dict[str, Any]) -> View:
    def plain(text: str, limit: int = 2000) -> PlainTextObject:
        return PlainTextObject(text=fit(text, limit))

    policies = [Option(value=p, text=fit(p, 75)) for p in options.policies[:100]]
    blocks: list = [
        context_line(t.mrkdwn(REPLIES, "modal_context", fixed=options.priority_fixed, source=options.source.name)),
        InputBlock(block_id="summary", label=plain(t.plain(REPLIES, "summary_label")),
                   element=PlainTextInputElement(action_id="summary", max_length=MAX_SUMMARY,
                                                 placeholder=plain(t.plain(REPLIES, "summary_placeholder"), 150))),
        InputBlock(block_id="details", label=plain(t.plain(REPLIES, "details_label")), optional=True,
                   element=PlainTextInputElement(action_id="details", multiline=True, max_length=MAX_DETAILS)),
        InputBlock(block_id="policy", label=plain(t.plain(REPLIES, "policy_label")),
                   element=StaticSelectElement(action_id="policy", options=policies, initial_option=policies[0])),
    ]
    if options.priority_fixed is None:
        priorities = [Option(value="high", text=t.plain(REPLIES, "priority_high")),
                      Option(value="low", text=t.plain(REPLIES, "priority_low"))]
        blocks.append(InputBlock(block_id="priority", label=plain(t.plain(REPLIES, "priority_label")),
                                 element=StaticSelectElement(action_id="priority", options=priorities,
                                                             initial_option=priorities[0])))
    return View(type="modal", callback_id="alert_raise", title=plain(t.plain(REPLIES, "modal_title"), 24),
                submit=plain(t.plain(REPLIES, "modal_submit"), 24), close=plain(t.plain(REPLIES, "cancel"), 24),
                blocks=blocks, private_metadata=metadata_json(metadata))
