"""The port a chat adapter implements: everything the domain may ask of a chat platform.

The domain records effects by these names (in the outbox, inside its transactions) and never
calls a chat platform itself. The Slack adapter (``bot.slack.catalogue``) implements every one;
a Teams or Google Chat adapter would implement the same set and nothing in the domain would change.
A test checks that the Slack adapter covers the whole port.

Effect kinds, with their payloads:
- ``incident.create_channel {incident}``: create the incident's channel under the name recorded on
  the incident (``channel_name``); on a name taken outside warroom, ask the domain for the next name.
- ``incident.invite {incident, users, groups?}``: bring people into the incident's channel (and the
  members of user groups, when given).
- ``incident.bookmark {incident, link}``: show a link of the incident in the channel's bookmarks.
- ``paging.expand_group {escalation, groups, level, round, by, confirmed}``: learn who is in the user groups of
  one level and page them (the domain asks first when a hand-named page is large).
- ``message.post {target, message, context}``: post the named message to ``incident:<id>`` (its
  channel), ``config:<key>`` (a configured channel), ``channel:<name or id>`` or ``dm:<user>``.
- ``message.reply {reply_to, message, context}``: tell the person who asked, privately.
- ``surface.sync {surface}``: make a living surface show current state (see SURFACES).
- ``postmortem.draft {incident, by, replace}``: store a postmortem draft made from the record now and
  record its upload (the domain's ``Postmortems.make_draft``; the adapter hands it people's names).
- ``postmortem.upload {incident, version}``: share a version of the postmortem as a Markdown file in the
  postmortems channel (the incident's own channel when none is configured or the incident is private).
- ``oncall.sync_usergroup {usergroup}``: make the chat platform's user group (a handle or an ID) hold
  whoever is on call now in the schedules it stands for (made first when it does not exist).
"""

from __future__ import annotations

EFFECT_KINDS: frozenset[str] = frozenset({
    "incident.create_channel",
    "incident.invite",
    "incident.bookmark",
    "paging.expand_group",
    "message.post",
    "message.reply",
    "surface.sync",
    "oncall.sync_usergroup",
    "postmortem.draft",
    "postmortem.upload",
})

# Pages beyond Slack (bot.paging.notify records them, bot.notify performs them): not the chat port's.
# - ``notify.send {notification}``: reach a paged person one way (Slack's Do Not Disturb check, email,
#   ntfy, Pushover, SMS, a call, a webhook) and report what happened.
# - ``notify.poll {notification}``: ask Pushover whether an emergency notification was acknowledged.
# - ``notify.cancel {notification}``: stop Pushover re-alerting once someone acknowledged.
NOTIFY_EFFECT_KINDS: frozenset[str] = frozenset({"notify.send", "notify.poll", "notify.cancel"})

# Outbound webhooks (bot.webhooks.emit records them, bot.webhooks.delivery performs them): not the chat port's.
# - ``webhook.deliver {webhook, message_id, event, subject, body}``: POST one event's signed body to one
#   webhook of warroom.yml; one lane per webhook and incident or alert keeps each subject's events in order.
WEBHOOK_EFFECT_KINDS: frozenset[str] = frozenset({"webhook.deliver"})

# Follow-ups in the team's tracker (bot.incidents.tickets records them, bot.tracker performs them).
# - ``tracker.file {followup}``: file the follow-up's ticket (found again by its marker after a crash).
# - ``tracker.poll {}``: read open tickets and mark the follow-ups of closed ones done.
TRACKER_EFFECT_KINDS: frozenset[str] = frozenset({"tracker.file", "tracker.poll"})

# Optional AI drafts (bot.incidents.summaries records them, bot.ai performs them): not the chat port's.
# - ``ai.summarize {incident, requested_by, reply_to}``: draft a catch-up summary of the incident from its
#   record and channel at an OpenAI-compatible endpoint, then post it in the incident's channel
#   (``incident.ai_summary``), or tell the asker it could not be drafted (``incident.ai_summary_failed``).
AI_EFFECT_KINDS: frozenset[str] = frozenset({"ai.summarize"})

# Slack's slash commands recorded in a crowd and handled after their ack (bot.slack.commands): the Slack
# adapter's own inbox, not the chat port's.
# - ``slack.command {command, body}``: handle the command as if it had just arrived, its work and the
#   effect's completion in one transaction, and answer the person through the command's response_url.
SLACK_EFFECT_KINDS: frozenset[str] = frozenset({"slack.command"})

# every kind an effect may be recorded with: the one list the outbox checks and the runner must cover
ALL_EFFECT_KINDS: frozenset[str] = (EFFECT_KINDS | NOTIFY_EFFECT_KINDS | AI_EFFECT_KINDS | WEBHOOK_EFFECT_KINDS
                                     | TRACKER_EFFECT_KINDS | SLACK_EFFECT_KINDS)

# Living surfaces, by key pattern (numbers as *): re-rendered from state, written only when changed.
SURFACES: frozenset[str] = frozenset({
    "incident:*:topic",          # the channel topic: severity, status, commander, title
    "incident:*:status",         # the pinned status message
    "incident:*:announcement",   # the post in the announcements channel
    "incident:*:checklist",      # a response plan's checklist, one button per item to tick
    "page:*",                    # one page's DM
    "alertdm:*",                 # a person's DM of pages about alerts from one source
    "alertbatch:*",              # the channel message of one alert, or of a storm's digest
    "swap:*",                    # a shift swap's question in the DM of the person asked
    "followup:*",                # a follow-up's message in its incident's channel: its ticket, whether done
})

# Messages the domain posts or replies with; the adapter renders each from current state.
MESSAGES: frozenset[str] = frozenset({
    "incident.declared", "incident.setup_failed", "incident.update", "incident.comms_update",
    "incident.role_assigned", "incident.note", "incident.link_added", "incident.followup_added",
    "incident.severity_changed", "incident.pulse", "incident.wrapup", "incident.postmortem_summary",
    "incident.reopened", "incident.invite_failed", "incident.made_public", "incident.taken_off_page",
    "incident.ticket_failed",    # a follow-up's ticket could not be filed: its owner or the commander hears why
    "incident.ai_summary", "incident.ai_summary_failed",
    "paging.incident_paged", "paging.incident_acknowledged", "paging.incident_exhausted",
    "paging.incident_nobody_on_call", "paging.confirm_group",
    "alerts.unanswered", "alerts.nobody_on_call", "alerts.source_full", "alerts.silenced", "alerts.unsilenced",
    "oncall.override", "oncall.shift_started", "oncall.shift_ended", "oncall.handoff", "oncall.swap_answered",
    "notify.test_result",        # what became of one way of a /il-oncall test page
    "webhooks.given_up", "webhooks.disabled",   # an outbound webhook's delivery over without its receiver
    # incident.postmortem_summary: no longer recorded (the summary is the postmortem file's comment now),
    # kept so a post recorded by an older warroom before an upgrade still goes out
    "answer",                    # an answer a listener rendered itself (text and blocks in the context)
})


def surface_kind(key: str) -> str:
    """``incident:12:topic`` -> ``incident:*:topic``."""
    return ":".join("*" if part.isdigit() else part for part in key.split(":"))
