"""Incident modals, built with slack_sdk.models so Slack's view limits are checked here."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.config import Config
from bot.incidents.model import MAX_TEXT, MAX_TITLE
from bot.slack.blocks import context_line, fit
from bot.slack.forms import metadata_json
from bot.text import Texts
from kernel.incidents import OPEN_STATUSES, Incident

MODAL_TITLE = 24
MODALS = "incident/modals"


def _plain(text: str, limit: int = 2000) -> PlainTextObject:
    return PlainTextObject(text=fit(text, limit), emoji=True)


def _text_input(t: Texts, block: str, label: str, *, multiline: bool = False, optional: bool = False,
                initial: str | None = None, placeholder: str | None = None, max_length: int = MAX_TEXT) -> InputBlock:
    element = PlainTextInputElement(action_id=block, multiline=multiline, max_length=max_length,
                                    initial_value=fit(initial, max_length) if initial else None,
                                    placeholder=_plain(t.plain(MODALS, placeholder), 150) if placeholder else None)
    return InputBlock(block_id=block, label=_plain(t.plain(MODALS, label)), element=element, optional=optional)


def _modal(t: Texts, callback_id: str, title: str, submit: str, blocks: list, metadata: dict[str, Any],
           **context: Any) -> View:
    return View(type="modal", callback_id=callback_id,
                title=_plain(t.plain(MODALS, title, **context), MODAL_TITLE),
                submit=_plain(t.plain(MODALS, submit), MODAL_TITLE), close=_plain(t.plain(MODALS, "cancel"), MODAL_TITLE),
                blocks=blocks, private_metadata=metadata_json(metadata))


def severity_select(t: Texts, config: Config, initial: str | None) -> StaticSelectElement:
    options = [Option(value=s.key, text=t.plain(MODALS, "severity_option", severity=s),
                      description=fit(s.description, 75) if s.description else None)
               for s in config.severities]
    chosen = next((o for o in options if o.value == (initial or "").lower()), None)
    return StaticSelectElement(action_id="severity", options=options, initial_option=chosen)


def type_select(t: Texts, config: Config, initial: str | None) -> InputBlock:
    """Only when incident types are configured; choosing none declares without a response plan."""
    options = [Option(value=it.name, text=fit(it.name, 75), description=fit(it.description, 75) if it.description else None)
               for it in config.incident_types]   # at most 100, checked at start
    chosen = next((o for o in options if o.value == (initial or "").lower()), None)
    return InputBlock(block_id="type", label=_plain(t.plain(MODALS, "type_label")), optional=True,
                      hint=_plain(t.plain(MODALS, "type_hint", default=getattr(
                          config.severity(config.incident.default_severity), "name", ""))),
                      element=StaticSelectElement(action_id="type", options=options, initial_option=chosen))


def commander_input(t: Texts, config: Config, user: str) -> InputBlock:
    """The declarer by default; but where a response plan names a commander, empty, so that the plan's
    commander is not overruled by a default nobody chose (a user select cannot be cleared)."""
    planned = any(r.role == "commander" for it in config.incident_types for r in it.roles)
    return InputBlock(block_id="commander", label=_plain(t.plain(MODALS, "commander_label")), optional=planned,
                      hint=_plain(t.plain(MODALS, "commander_hint")) if planned else None,
                      element=UserSelectElement(action_id="commander", initial_user=None if planned else user))


def declare_modal(t: Texts, config: Config, *, user: str, metadata: dict[str, Any], title: str = "",
                  description: str = "", severity: str | None = None, author: str | None = None,
                  incident_type: str | None = None) -> View:
    blocks: list = []
    if author:
        blocks.append(context_line(t.mrkdwn(MODALS, "declare_context", author=author)))
    typed = bool(config.incident_types)   # with types, an empty severity means the type's default
    blocks += [
        _text_input(t, "title", "title_label", initial=title, placeholder="title_placeholder", max_length=MAX_TITLE),
        *([type_select(t, config, incident_type)] if typed else []),
        InputBlock(block_id="severity", label=_plain(t.plain(MODALS, "severity_label")), optional=typed,
                   element=severity_select(t, config, severity if typed else
                                           severity or config.incident.default_severity)),
        _text_input(t, "description", "description_label", multiline=True, optional=True, initial=description,
                    placeholder="description_placeholder"),
        commander_input(t, config, user),
        InputBlock(block_id="private", label=_plain(t.plain(MODALS, "private_label")), optional=True,
                   element=CheckboxesElement(action_id="private", options=[
                       Option(value="private", text=t.plain(MODALS, "private_option"))])),
    ]
    return _modal(t, "incident_declare", "declare_title", "declare_submit", blocks, metadata)


def update_modal(t: Texts, config: Config, incident: Incident, metadata: dict[str, Any], *, public: bool = False,
                 public_checked: bool = False) -> View:
    """``public``: the incident is on the public status page, so the update can go there too."""
    status_options = [Option(value=str(s), text=s.label) for s in OPEN_STATUSES]
    current = next((o for o in status_options if o.value == str(incident.status)), None)
    blocks: list = [
        InputBlock(block_id="status", label=_plain(t.plain(MODALS, "status_label")),
                   element=StaticSelectElement(action_id="status", options=status_options, initial_option=current)),
        _text_input(t, "message", "message_label", multiline=True, placeholder="message_placeholder"),
    ]
    if config.channels.comms:
        blocks.append(InputBlock(block_id="comms", label=_plain(t.plain(MODALS, "comms_label")), optional=True,
                                 element=CheckboxesElement(action_id="comms", options=[
                                     Option(value="comms", text=t.plain(MODALS, "comms_option"))])))
    if public:
        option = Option(value="public", text=t.plain(MODALS, "public_option"))
        blocks.append(InputBlock(block_id="public", label=_plain(t.plain(MODALS, "public_label")), optional=True,
                                 element=CheckboxesElement(action_id="public", options=[option],
                                                           initial_options=[option] if public_checked else None)))
    return _modal(t, "incident_update", "update_title", "update_submit", blocks, dict(metadata, incident=incident.id))


def resolve_modal(t: Texts, incident: Incident, metadata: dict[str, Any], summary: str = "") -> View:
    blocks = [
        _text_input(t, "summary", "summary_label", multiline=True, initial=summary, placeholder="summary_placeholder"),
        _text_input(t, "root_cause", "cause_label", multiline=True, optional=True),
        _text_input(t, "mitigation", "mitigation_label", multiline=True, optional=True),
    ]
    return _modal(t, "incident_resolve", "resolve_title", "resolve_submit", blocks,
                  dict(metadata, incident=incident.id), incident=incident)


def severity_modal(t: Texts, config: Config, incident: Incident, metadata: dict[str, Any]) -> View:
    blocks = [InputBlock(block_id="severity", label=_plain(t.plain(MODALS, "severity_label")),
                         element=severity_select(t, config, incident.severity))]
    return _modal(t, "incident_severity", "severity_title", "severity_submit", blocks,
                  dict(metadata, incident=incident.id))


def note_modal(t: Texts, incident: Incident, metadata: dict[str, Any]) -> View:
    blocks = [_text_input(t, "note", "note_label", multiline=True)]
    return _modal(t, "incident_note", "note_title", "save", blocks, dict(metadata, incident=incident.id))


def followup_modal(t: Texts, incident: Incident, metadata: dict[str, Any]) -> View:
    blocks = [
        _text_input(t, "followup", "followup_label", max_length=500),
        InputBlock(block_id="owner", label=_plain(t.plain(MODALS, "owner_label")), optional=True,
                   element=UserSelectElement(action_id="owner")),
    ]
    return _modal(t, "incident_followup", "followup_title", "save", blocks, dict(metadata, incident=incident.id))
