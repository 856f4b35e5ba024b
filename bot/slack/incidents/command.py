"""``/incident``: parse the subcommand, call the domain, answer. Nothing here decides policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from slack_sdk.models.blocks import ActionsBlock, SectionBlock

from bot.effects.replies import ReplyTo
from bot.incidents.model import DeclareRequest, IncidentError
from bot.incidents.rules import CHANGE_SEVERITY, RESOLVE
from bot.incidents.status_page import OFF_WORDS
from bot.paging.targets import resolve_targets
from bot.slack import parsing
from bot.slack.answers import reply
from bot.slack.blocks import button, section
from bot.slack.commands import CommandResult, OpenModal
from bot.slack.deps import Deps
from bot.slack.incidents import modals, timeline
from bot.slack.incidents.render import status_summary
from bot.slack.incidents.summary import summary
from bot.slack.postmortem_uploads import TEXTS as POSTMORTEM, web_link, where_shared
from kernel.incidents import OPEN_STATUSES, Incident, Status

REPLIES = "incident/replies"
NEEDS_INCIDENT = {"status", "update", "severity", "sev", "commander", "role", "escalate", "page", "note",
                  "link", "followup", "followups", "resolve", "reopen", "public", "timeline", "event", "key", "unkey",
                  "summary", "postmortem"}


@dataclass
class CommandRequest:
    user: str
    channel: str
    text: str
    response_url: str | None
    trigger_id: str
    incident: Incident | None

    @property
    def reply_to(self) -> ReplyTo:
        return ReplyTo(self.user, self.channel, self.response_url)

    @property
    def metadata(self) -> dict[str, Any]:
        return {"channel": self.channel, "response_url": self.response_url}


Handler = Callable[[Deps, CommandRequest, str], CommandResult]


def handle(deps: Deps, body: dict[str, Any]) -> CommandResult:
    """``/incident …``: what to tell the person, or the form to open."""
    text = parsing.typed(body.get("text"))
    word, rest = parsing.split_subcommand(text)
    request = CommandRequest(
        user=body["user_id"], channel=body["channel_id"], text=text,
        response_url=body.get("response_url"), trigger_id=body.get("trigger_id", ""),
        incident=deps.incidents.in_channel(body.get("channel_id")),
    )
    return route(deps, request, word, rest)


def route(deps: Deps, request: CommandRequest, word: str, rest: str) -> CommandResult:
    if word == "":
        if request.incident and request.incident.is_open:
            return panel(deps, request.incident)
        return OpenModal(modals.declare_modal(deps.texts, deps.config, user=request.user, metadata=request.metadata))
    handler = HANDLERS.get(word)
    if handler is None:
        return reply(deps.texts.mrkdwn(REPLIES, "unknown", word=word) + "\n\n" + help_text(deps))
    if word in NEEDS_INCIDENT and request.incident is None:
        return reply(deps.texts.mrkdwn(REPLIES, "not_in_incident", word=word,
                                       incidents=deps.incidents.visible(deps.actor(request.user), limit=10)))
    return handler(deps, request, rest)


def help_text(deps: Deps) -> str:
    return deps.texts.mrkdwn(REPLIES, "help", severities=deps.config.severity_keys, roles=deps.config.incident.roles,
                             types=[t.name for t in deps.config.incident_types])


def usage(deps: Deps, name: str) -> dict[str, Any]:
    text = deps.texts.mrkdwn(REPLIES, f"usage_{name}", severities=deps.config.severity_keys, roles=deps.config.incident.roles)
    return reply(deps.texts.mrkdwn(REPLIES, "usage", text=text))


# --- anywhere ----------------------------------------------------------------------------------

SEVERITY_LIKE = re.compile(r"^(sev|p)\d{1,2}$", re.IGNORECASE)


def declare(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    rest, incident_type = parsing.take_option(rest, "type")
    if incident_type is not None and deps.plans:   # an unknown type is refused before a form opens
        deps.plans.plan(incident_type)
    words = parsing.tokens(rest)
    severity = None
    if words and words[-1].lower() in deps.config.severity_keys:
        severity = words.pop().lower()
    elif words and words[0].lower() in deps.config.severity_keys:
        severity = words.pop(0).lower()
    elif words and SEVERITY_LIKE.match(words[-1]):  # "sev9": a severity that does not exist, not a title word
        raise IncidentError("not_a_severity", given=words[-1], options=deps.config.severity_keys)
    title = parsing.to_plain(" ".join(words))
    if not title:
        return OpenModal(modals.declare_modal(deps.texts, deps.config, user=request.user, metadata=request.metadata,
                                              severity=severity, incident_type=incident_type))
    incident = deps.incidents.declare(DeclareRequest(
        title=title, severity=severity or "", declared_by=request.user, declared_in=request.channel,
        reply_to=request.reply_to, incident_type=incident_type,
    ))
    return reply(deps.texts.mrkdwn("incident/declared", "accepted", incident=incident))


def list_incidents(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incidents = deps.incidents.visible(deps.actor(request.user), limit=1000)
    if not incidents:
        return reply(deps.texts.mrkdwn(REPLIES, "list_empty"))
    now = deps.clock.time()
    lines = [deps.texts.mrkdwn(REPLIES, "list_item", incident=i, now=now) for i in incidents[:LIST_LIMIT]]
    if len(incidents) > LIST_LIMIT:
        lines.append(deps.texts.mrkdwn(REPLIES, "list_more", count=len(incidents) - LIST_LIMIT))
    header = deps.texts.mrkdwn(REPLIES, "list_header")
    blocks = [section(header)] + [section(line) for line in lines]
    return reply("\n".join([header, *lines]), blocks)


def show(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    number = rest.strip().lstrip("#")
    if number:
        if not number.isdecimal() or len(number) > 9:   # isdigit() takes ², which int() refuses
            return usage(deps, "show")
        incident = deps.incidents.get_for(int(number), deps.actor(request.user))
    elif request.incident:
        incident = request.incident
    else:
        return usage(deps, "show")
    rendered = status_summary(deps.render, incident)
    return {"text": rendered.text, "blocks": rendered.blocks, "response_type": "ephemeral"}


def help_command(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    return reply(help_text(deps))


# --- inside an incident ------------------------------------------------------------------------

def panel(deps: Deps, incident: Incident) -> dict[str, Any]:
    t = deps.texts
    value = str(incident.id)
    text = t.mrkdwn(REPLIES, "panel", incident=incident)
    blocks = [
        SectionBlock(text=text),
        ActionsBlock(block_id="incident_panel", elements=[
            button(t.plain("incident/buttons", "post_update"), "incident_update_open", value, "primary"),
            button(t.plain("incident/buttons", "note"), "incident_note_open", value),
            button(t.plain("incident/buttons", "followup"), "incident_followup_open", value),
            button(t.plain("incident/buttons", "severity"), "incident_severity_open", value),
            button(t.plain("incident/buttons", "resolve"), "incident_resolve_open", value, "danger"),
        ]),
    ]
    return reply(text, blocks)


def status(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = _incident(request)
    text, flags = parsing.take_flags(rest, {"comms", "public"})
    words = parsing.tokens(text)
    new_status = None
    if words and words[0].lower() in {s.value for s in Status}:
        new_status = Status(words[0].lower())
        text = text.split(None, 1)[1] if len(words) > 1 else ""
    if new_status is None and not text.strip():
        if "public" in flags:  # say now, not after the form, when it cannot go public
            deps.incidents.status_page.check_update(incident)
        return OpenModal(modals.update_modal(deps.texts, deps.config, incident, request.metadata,
                                             public=_is_public(deps, incident), public_checked="public" in flags))
    # the public reads words, not Slack's markup: <@U1|alice> becomes @alice, a link its label
    deps.incidents.post_update(incident, deps.actor(request.user), message=parsing.to_mrkdwn(text),
                               status=new_status, to_comms="comms" in flags, reply_to=request.reply_to,
                               to_public="public" in flags, public_text=parsing.to_plain(text, keep_lines=True))
    return None


def _is_public(deps: Deps, incident: Incident) -> bool:
    return deps.config.status_page.enabled and deps.incidents.status_page.public(incident) is not None


def public(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    """``/incident public <component>[, <component>...]`` puts the incident on the public status page
    with the components it affects (again: changes them); ``off`` takes it off; alone, says where it is."""
    incident = _incident(request)
    page = deps.incidents.status_page
    actor = deps.actor(request.user)
    words = parsing.to_plain(rest)
    if not words:
        found = page.public(incident) if deps.config.status_page.enabled else None
        return reply(deps.texts.mrkdwn(REPLIES, "public_state", incident=incident, public=found,
                                       components=deps.config.status_page.names))
    if words.lower() in OFF_WORDS:
        page.take_off(incident, actor)
        return None
    page.make_public(incident, actor, _component_names(words, deps.config.status_page.names))
    return None


def _component_names(typed: str, configured: tuple[str, ...]) -> list[str]:
    """Commas separate names (a name may have spaces); without commas, words that are each a component
    are read as a list ("api website"), else the whole text is one name."""
    if "," in typed:
        return typed.split(",")
    folded = {name.casefold() for name in configured}
    words = typed.split()
    if typed.casefold() not in folded and len(words) > 1 and all(w.casefold() in folded for w in words):
        return words
    return [typed]


def severity(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = _incident(request)
    words = parsing.tokens(rest)
    if not words:
        deps.incidents.require_commander_or_manager(incident, deps.actor(request.user), CHANGE_SEVERITY)
        return OpenModal(modals.severity_modal(deps.texts, deps.config, incident, request.metadata))
    if len(words) != 1:
        return usage(deps, "severity")
    deps.incidents.set_severity(incident, deps.actor(request.user), words[0])
    return None


def commander(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = _incident(request)
    words = parsing.tokens(rest)
    user = parsing.user_id(words[0]) if len(words) == 1 else None
    if user is None:
        return usage(deps, "commander")
    deps.incidents.assign_role(incident, deps.actor(request.user), "commander", user)
    return None


def role(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = _incident(request)
    words = parsing.tokens(rest)
    user = parsing.user_id(words[-1]) if len(words) >= 2 else None
    if user is None:
        return usage(deps, "role")
    deps.incidents.assign_role(incident, deps.actor(request.user), " ".join(words[:-1]), user)
    return None


def note(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    if not rest.strip():
        return usage(deps, "note")
    deps.record.add_note(_incident(request), deps.actor(request.user), parsing.to_mrkdwn(rest))
    return None


def link(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    words = parsing.tokens(rest)
    if not words:
        return usage(deps, "link")
    parsed = parsing.link(words[0])
    if parsed is None:
        raise IncidentError("not_a_link", given=parsing.to_plain(words[0]))
    url, label = parsed
    title = parsing.to_plain(" ".join(words[1:])) or label
    deps.record.add_link(_incident(request), deps.actor(request.user), url, title)
    return None


def followup(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    words = parsing.tokens(rest)
    owner = parsing.user_id(words[-1]) if words else None
    if owner:
        words = words[:-1]
    if not words:
        return usage(deps, "followup")
    deps.record.add_followup(_incident(request), deps.actor(request.user), parsing.to_mrkdwn(" ".join(words)), owner)
    return None


FOLLOWUPS_PAGE = 20
LIST_LIMIT = 40


def followups(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    return followups_page(deps, _incident(request), 0)


def followups_page(deps: Deps, incident: Incident, offset: int) -> dict[str, Any]:
    """One page of an incident's follow-ups, each with Mark done; "Show more" brings the next page."""
    items = deps.record.followups(incident)
    t = deps.texts
    if not items:
        return reply(t.mrkdwn(REPLIES, "followups_empty"))
    page = items[offset: offset + FOLLOWUPS_PAGE]
    header = t.mrkdwn(REPLIES, "followups_header", incident=incident, first=offset + 1, last=offset + len(page),
                      total=len(items))
    blocks: list = [section(header)]
    tickets = deps.record.tickets.store.of_incident(incident.id)
    for item in page:
        line = t.mrkdwn(REPLIES, "followup_item", followup=item, ticket=tickets.get(item.id))
        block = SectionBlock(text=line)
        if item.done_at is None:
            block = SectionBlock(text=line, accessory=button(t.plain("incident/buttons", "done"), "followup_done",
                                                             f"{incident.id}:{item.id}"))
        blocks.append(block)
    if offset + len(page) < len(items):
        blocks.append(ActionsBlock(block_id="followups_more", elements=[
            button(t.plain("incident/buttons", "show_more", count=len(items) - offset - len(page)), "followups_page",
                   f"{incident.id}:{offset + len(page)}")]))
    return reply(header, blocks)


def resolve(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = _incident(request)
    if not rest.strip():
        if not incident.is_open:
            raise IncidentError("incident_resolved", incident=incident)
        deps.incidents.require_commander_or_manager(incident, deps.actor(request.user), RESOLVE)
        return OpenModal(modals.resolve_modal(deps.texts, incident, request.metadata))
    deps.incidents.resolve(incident, deps.actor(request.user), summary=parsing.to_mrkdwn(rest))
    return None


def escalate(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    """People and groups by mention, schedules by name (whoever is on call), or one escalation policy."""
    words = parsing.tokens(rest)
    if not words:
        return usage(deps, "escalate")
    mentioned: list[tuple[str, str]] = []
    for word in words:
        found = parsing.mention(word)
        if found is not None:
            mentioned.append(("user" if found.kind == "user" else "usergroup", found.id))
        else:
            mentioned.append(("name", parsing.to_plain(word)))
    page = resolve_targets(deps.config, mentioned)
    deps.incidents.escalate(_incident(request), deps.actor(request.user), page)
    return None


def reopen(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    incident = deps.incidents.reopen(_incident(request), deps.actor(request.user), reason=parsing.to_mrkdwn(rest))
    return reply(deps.texts.mrkdwn(REPLIES, "reopened", incident=incident))


def postmortem(deps: Deps, request: CommandRequest, rest: str) -> CommandResult:
    """A new draft, or, when a person edited the postmortem, the question: replace their edits or keep them."""
    incident, t = _incident(request), deps.texts
    asked = deps.postmortems.ask(incident, deps.actor(request.user))
    if asked.outcome == "drafting":
        return reply(t.mrkdwn(POSTMORTEM, "drafting", incident=incident, where=where_shared(deps.config, incident)))
    edited = asked.postmortem.current
    text = t.mrkdwn(POSTMORTEM, "human_edits", incident=incident, author=edited.author, at=edited.created_at,
                    web=web_link(deps.config, incident.id))
    return reply(text, [section(text), ActionsBlock(block_id="postmortem_choice", elements=[
        button(t.plain(POSTMORTEM, "replace_button"), "postmortem_replace", str(incident.id), style="danger"),
        button(t.plain(POSTMORTEM, "keep_button"), "postmortem_keep", str(incident.id))])])


def _incident(request: CommandRequest) -> Incident:
    assert request.incident is not None  # route() checked
    return request.incident


HANDLERS: dict[str, Handler] = {
    "declare": declare, "new": declare, "list": list_incidents, "show": show, "help": help_command,
    "status": status, "update": status, "severity": severity, "sev": severity, "commander": commander,
    "role": role, "note": note, "link": link, "followup": followup, "followups": followups,
    "resolve": resolve, "escalate": escalate, "page": escalate, "reopen": reopen, "public": public,
    "timeline": timeline.timeline, "event": timeline.event, "key": timeline.key, "unkey": timeline.unkey,
    "summary": summary,
    "postmortem": postmortem,
}

__all__ = ["handle", "route", "CommandRequest", "OpenModal", "OPEN_STATUSES"]
