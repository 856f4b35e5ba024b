"""Migrations 20 on: response plans, the edited timeline, postmortems, tickets, outbound webhooks, page
bundles (issue 12 on). A new migration is appended here."""

from __future__ import annotations

from storage.schema_migration import Migration

MIGRATIONS: list[Migration] = []

MIGRATIONS.append(Migration(20, "response plans: an incident's type and its checklist", """
-- the incident_types: entry it was declared with (NULL: none); the type's config is read by name
ALTER TABLE incidents ADD COLUMN incident_type TEXT;

-- the type's checklist as it was at declare (config may change later), each item ticked or not
CREATE TABLE checklist_items (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    position    INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    done_at     REAL,                    -- NULL: not ticked (every tick and untick is on the timeline)
    done_by     TEXT,
    UNIQUE (incident_id, position)
);
"""))

MIGRATIONS.append(Migration(21, "the timeline's audit trail: who added, edited, deleted or marked an event", """
-- One row per change people make to an incident's timeline (bot.incidents.timeline_edits), with the
-- values before and after. The timeline row itself changes in place; a deleted one keeps its row
-- (deleted_at set), so this trail and the ids people were shown stay whole.
CREATE TABLE timeline_audit (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    event_id    INTEGER NOT NULL REFERENCES timeline(id),
    action      TEXT    NOT NULL,        -- added | edited | deleted | keyed | unkeyed
    actor       TEXT    NOT NULL,
    at          REAL    NOT NULL,
    old_at      REAL,
    old_text    TEXT,
    old_key     INTEGER,
    new_at      REAL,
    new_text    TEXT,
    new_key     INTEGER
);
CREATE INDEX timeline_audit_by_incident ON timeline_audit(incident_id, id);
CREATE INDEX timeline_audit_by_event ON timeline_audit(event_id, id);
"""))

MIGRATIONS.append(Migration(22, "postmortems: the document of record, its versions and its uploads", """
-- One postmortem per incident. current_version is the document of record; pending_version a later draft
-- kept aside because a person had edited the current one (the web page offers to replace or keep).
CREATE TABLE postmortems (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
    current_version INTEGER,
    pending_version INTEGER,
    created_at      REAL    NOT NULL,
    updated_at      REAL    NOT NULL
);
-- Every text the postmortem has had: drafted by warroom (origin 'draft') or edited by a person ('human').
CREATE TABLE postmortem_versions (
    id            INTEGER PRIMARY KEY,
    postmortem_id INTEGER NOT NULL REFERENCES postmortems(id),
    number        INTEGER NOT NULL,            -- 1, 2, ... within the postmortem
    origin        TEXT    NOT NULL,            -- draft | human
    body          TEXT    NOT NULL,            -- the Markdown
    narrative     TEXT,                        -- an AI-written narrative shown in the draft (NULL: none)
    author        TEXT,                        -- who asked for the draft, or who edited
    created_at    REAL    NOT NULL,
    effect_id     INTEGER UNIQUE,              -- the postmortem.draft effect that made it (a retry makes none)
    UNIQUE (postmortem_id, number)
);
-- Each upload of a version to Slack, by the effect doing it: the file is recorded before it is shared,
-- so a retry after a crash looks for that file in the channel instead of uploading it twice.
CREATE TABLE postmortem_uploads (
    effect_id   INTEGER NOT NULL PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES postmortem_versions(id),
    channel     TEXT    NOT NULL,
    file_id     TEXT    NOT NULL,
    started_at  REAL    NOT NULL,
    shared_at   REAL,
    message_ts  TEXT
);
"""))

MIGRATIONS.append(Migration(23, "follow-ups filed as tickets in GitHub, Jira or Linear", """
-- One ticket per follow-up. The row is written, with its marker, in the transaction that asks for
-- the ticket: the marker goes into the ticket's body, so after a crash between the tracker's answer
-- and our commit the ticket is found again by it instead of being filed twice.
CREATE TABLE tickets (
    followup_id  INTEGER NOT NULL PRIMARY KEY REFERENCES followups(id),   -- given, never generated
    tracker      TEXT    NOT NULL,       -- github | jira | linear
    state        TEXT    NOT NULL,       -- filing | open | closed | failed | gone
    marker       TEXT    NOT NULL,       -- unique text in the ticket's body
    ref          TEXT,                   -- as people say it: acme/ops#12, OPS-42, ENG-7
    remote_id    TEXT,                   -- what the tracker's API takes: the number, key or id
    url          TEXT,
    error        TEXT,                   -- why it could not be filed (state failed)
    requested_by TEXT,                   -- NULL: filed automatically
    requested_at REAL    NOT NULL,
    filed_at     REAL,
    checked_at   REAL,                   -- last read by the poll
    closed_at    REAL
);
CREATE INDEX tickets_to_poll ON tickets(state, checked_at);
"""))

MIGRATIONS.append(Migration(24, "outbound webhooks: the delivery log", """
-- Every attempt to deliver an event to a webhook of warroom.yml (webhooks:), kept a week like the outbox;
-- what waits for its next attempt is the outbox row (kind webhook.deliver) itself.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    webhook     TEXT    NOT NULL,        -- its name in warroom.yml (never its URL: it may hold a token)
    message_id  TEXT    NOT NULL,        -- the webhook-id header, the same on every attempt: receivers dedupe on it
    event       TEXT    NOT NULL,        -- incident.declared, alert.created, ...
    subject     TEXT    NOT NULL,        -- incident:<id> | alert:<id>
    attempt     INTEGER NOT NULL,        -- 1 for the first
    at          REAL    NOT NULL,        -- when the attempt started
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,                 -- NULL: no HTTP answer (refused, timed out)
    error       TEXT,
    outcome     TEXT    NOT NULL,        -- delivered | retry | failed
    retry_at    REAL                     -- outcome retry: when the next attempt is due
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook, id);
CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries(message_id);
CREATE INDEX webhook_deliveries_by_at ON webhook_deliveries(at);
"""))

MIGRATIONS.append(Migration(26, "pages due together to one person one way go out as one", """
-- A bundle: the notification whose delivery carried this one too (NULL: it went, or goes, on its own).
ALTER TABLE notifications ADD COLUMN bundle_id INTEGER;
CREATE INDEX notifications_in_bundle ON notifications(bundle_id) WHERE bundle_id IS NOT NULL;
CREATE INDEX notifications_waiting ON notifications(user_id, method, due_at) WHERE state = 'planned';
"""))

MIGRATIONS.append(Migration(27, "indexes for the insights report's change key", """
-- InsightsStore.change_keys reads these on every view of /insights: a lookup each, not a table scan
CREATE INDEX incidents_by_updated ON incidents(updated_at);
-- the timeline rows a report counts (not the channel's messages, notes, joins...: they come all day)
CREATE INDEX timeline_counted ON timeline(id)
    WHERE kind IN ('declared', 'acknowledged', 'update', 'severity', 'resolved', 'reopened');
CREATE INDEX alerts_open_events ON alerts(event_count) WHERE status != 'resolved';
"""))

MIGRATIONS.append(Migration(28, "a repeated alert updates no index", """
-- A storm is mostly repeats, and a repeat adds 1 to event_count. With event_count in an index every
-- repeat wrote a new entry in every index of alerts (no heap-only update on PostgreSQL): a storm's
-- write volume, not its speed on these machines. The insights report reads event_count from the rows.
DROP INDEX alerts_open_events;
DROP INDEX alerts_by_created;
CREATE INDEX alerts_by_created ON alerts(created_at, source);
-- the change key's count of open alerts, and the open ones whose event_count it adds up
CREATE INDEX alerts_open ON alerts(id) WHERE status != 'resolved';
"""))

MIGRATIONS.append(Migration(29, "outbound webhooks a receiver said are gone, and when Slack last heard of one", """
CREATE TABLE webhook_states (
    webhook         TEXT PRIMARY KEY,
    url             TEXT NOT NULL,     -- the address this was kept for: a new one starts afresh
    disabled_at     REAL,              -- the receiver answered 410 Gone: nothing more is sent until enabled
    disabled_reason TEXT,
    told_at         REAL               -- Slack last told of a delivery given up (at most one notice an hour)
);
"""))

