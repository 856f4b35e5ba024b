"""Migrations 1-11: incidents, paging, alerts, on-call overrides, replicas (issues 1-9)."""

from __future__ import annotations

from storage.schema_migration import Migration

MIGRATIONS: list[Migration] = [
    Migration(1, "incidents, timeline, outbox, timers", """
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,          -- the incident number people say ("incident 12")
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    severity       TEXT    NOT NULL,
    status         TEXT    NOT NULL,             -- investigating | identified | monitoring | resolved
    commander      TEXT    NOT NULL,
    declared_by    TEXT    NOT NULL,
    declared_at    REAL    NOT NULL,
    declared_in    TEXT,                         -- channel the declare came from
    is_private     INTEGER NOT NULL DEFAULT 0,
    channel_name   TEXT    NOT NULL,             -- the name asked for; the created one may carry a suffix
    channel_id     TEXT    UNIQUE,               -- set once Slack created the channel
    resolved_at    REAL,
    summary        TEXT,
    root_cause     TEXT,
    mitigation     TEXT,
    last_update_at REAL    NOT NULL,             -- last status update; pulses count from here
    snoozed_until  REAL,
    source         TEXT    NOT NULL DEFAULT '{}',-- JSON: the message or alert it was declared from
    updated_at     REAL    NOT NULL
);
CREATE INDEX incidents_open ON incidents(status) WHERE status != 'resolved';

CREATE TABLE incident_roles (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    role        TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    assigned_at REAL    NOT NULL,
    assigned_by TEXT,
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    at          REAL    NOT NULL,
    actor       TEXT,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL DEFAULT '',
    data        TEXT    NOT NULL DEFAULT '{}',
    is_key      INTEGER NOT NULL DEFAULT 0,      -- shown in the wrap-up's key events
    message_ts  TEXT,                            -- for messages recorded from the channel
    edited_at   REAL,
    deleted_at  REAL
);
CREATE INDEX timeline_by_incident ON timeline(incident_id, at);
CREATE UNIQUE INDEX timeline_by_message ON timeline(incident_id, message_ts) WHERE message_ts IS NOT NULL;

CREATE TABLE followups (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    text        TEXT    NOT NULL,
    owner       TEXT,
    created_by  TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    done_at     REAL
);

CREATE TABLE links (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    url         TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    added_by    TEXT    NOT NULL,
    added_at    REAL    NOT NULL,
    bookmark_id TEXT
);

-- Side effects recorded in the same transaction as the state change that needs them.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    lane             TEXT    NOT NULL,           -- effects in one lane run one at a time, in order
    payload          TEXT    NOT NULL DEFAULT '{}',
    state            TEXT    NOT NULL DEFAULT 'pending',  -- pending | done | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    first_attempt_at REAL,
    due_at           REAL    NOT NULL,
    depends_on       INTEGER REFERENCES outbox(id),
    created_at       REAL    NOT NULL,
    finished_at      REAL,
    last_error       TEXT,
    result           TEXT
);
CREATE INDEX outbox_pending ON outbox(due_at) WHERE state = 'pending';
CREATE INDEX outbox_lane ON outbox(lane, state);

-- What warroom last wrote to each living Slack surface (topic, pinned status, announcement...).
CREATE TABLE surfaces (
    key        TEXT PRIMARY KEY,
    channel    TEXT,
    ts         TEXT,
    digest     TEXT,
    updated_at REAL
);

CREATE TABLE timers (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_at  REAL NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    UNIQUE (kind, subject)
);

-- Slack redelivers events; each is handled once.
CREATE TABLE seen_events (
    key TEXT PRIMARY KEY,
    at  REAL NOT NULL
);
"""),
]

MIGRATIONS.append(Migration(2, "paging: escalations and pages", """
-- One attempt to get a human to answer for a subject (an incident or an alert).
CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    subject     TEXT    NOT NULL,              -- 'incident:12' | 'alert:5'
    policy      TEXT,                          -- escalation policy name; NULL when people were paged directly
    levels      TEXT    NOT NULL,              -- JSON snapshot: [{"targets": [...], "timeout": seconds|null}]
    repeat      INTEGER NOT NULL DEFAULT 0,    -- extra rounds through all levels
    level       INTEGER NOT NULL DEFAULT 0,
    round       INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL DEFAULT 'active',   -- active | acknowledged | exhausted | resolved
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  TEXT,
    created_at  REAL    NOT NULL,
    acked_by    TEXT,
    acked_at    REAL,
    ack_note    TEXT,
    ended_by    TEXT,
    ended_at    REAL
);
CREATE INDEX escalations_by_subject ON escalations(subject);

CREATE TABLE pages (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    user_id       TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    round         INTEGER NOT NULL,
    via           TEXT    NOT NULL DEFAULT '',  -- how they were reached: user, schedule:<name>, usergroup:<id>
    sent_at       REAL    NOT NULL,
    UNIQUE (escalation_id, user_id, level, round)
);
CREATE INDEX pages_by_escalation ON pages(escalation_id);
"""))

MIGRATIONS.append(Migration(3, "on-call overrides, alerts, alert batches, grouped pages", """
-- "Take the pager": beats every schedule layer for a while.
CREATE TABLE overrides (
    id         INTEGER PRIMARY KEY,
    schedule   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    start      REAL    NOT NULL,
    "end"      REAL    NOT NULL,
    created_by TEXT,
    created_at REAL    NOT NULL
);
CREATE INDEX overrides_by_schedule ON overrides(schedule, "end");

-- Channel posts of new alerts go out at most about once a second per channel; alerts that
-- arrive in between share one message ("and 37 more").
CREATE TABLE alert_batches (
    id        INTEGER PRIMARY KEY,
    channel   TEXT    NOT NULL,       -- the configured channel (name or ID)
    opened_at REAL    NOT NULL,
    posted_at REAL                    -- set when its message is rendered: no alert joins after that
);
CREATE INDEX alert_batches_open ON alert_batches(channel) WHERE posted_at IS NULL;

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    dedup_key   TEXT,
    summary     TEXT    NOT NULL,
    details     TEXT    NOT NULL DEFAULT '',
    priority    TEXT    NOT NULL,      -- high | low
    status      TEXT    NOT NULL,      -- pending | accepted | resolved
    policy      TEXT,
    channel     TEXT    NOT NULL,
    created_by  TEXT,
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    event_count INTEGER NOT NULL DEFAULT 1,
    accepted_by TEXT,
    accepted_at REAL,
    resolved_by TEXT,
    resolved_at REAL,
    incident_id INTEGER REFERENCES incidents(id),
    labels      TEXT    NOT NULL DEFAULT '{}',
    batch_id    INTEGER REFERENCES alert_batches(id)
);
-- one open alert per dedup key: a repeat updates it; after it resolves the key starts a new alert
CREATE UNIQUE INDEX alerts_open_by_key ON alerts(source, dedup_key)
    WHERE dedup_key IS NOT NULL AND status != 'resolved';
CREATE INDEX alerts_by_batch ON alerts(batch_id);
CREATE INDEX alerts_by_incident ON alerts(incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE alert_log (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at       REAL    NOT NULL,
    kind     TEXT    NOT NULL,
    actor    TEXT,
    data     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_log_by_alert ON alert_log(alert_id);

-- Pages about alerts from one source share one DM per person while unanswered (storms).
ALTER TABLE pages ADD COLUMN dm_group TEXT;
CREATE INDEX pages_by_group ON pages(dm_group) WHERE dm_group IS NOT NULL;
CREATE INDEX pages_by_user ON pages(user_id);
"""))

MIGRATIONS.append(Migration(4, "one incident per channel name", """
-- Names are chosen when an incident is recorded, so incidents declared together never race for one
-- name. Rows written before this kept the name asked for until the channel existed: keep the first.
UPDATE incidents SET channel_name = channel_name || '-w' || id
    WHERE channel_id IS NULL AND channel_name != ''
      AND id NOT IN (SELECT min(id) FROM incidents GROUP BY channel_name);
CREATE UNIQUE INDEX incidents_by_channel_name ON incidents(channel_name) WHERE channel_name != '';
"""))

MIGRATIONS.append(Migration(5, "who made each page go out", """
-- NULL: the escalation moved on by itself (nobody acknowledged the level before it in time).
ALTER TABLE pages ADD COLUMN paged_by TEXT;
"""))

MIGRATIONS.append(Migration(6, "health probe, open alerts per source", """
-- /healthz proves the database takes writes by writing this one row (at most once a second).
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL
);

-- Open alerts with a dedup key (every webhook alert has one) per source, kept by triggers, so the
-- cap on a source's open alerts costs one lookup per new alert, not a count of all of them.
CREATE TABLE alert_source_open (
    source TEXT    PRIMARY KEY,
    open   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO alert_source_open (source, open)
    SELECT source, count(*) FROM alerts WHERE dedup_key IS NOT NULL AND status != 'resolved' GROUP BY source;
CREATE TRIGGER alert_source_open_insert AFTER INSERT ON alerts
    WHEN NEW.dedup_key IS NOT NULL AND NEW.status != 'resolved'
BEGIN
    INSERT INTO alert_source_open (source, open) VALUES (NEW.source, 1)
        ON CONFLICT (source) DO UPDATE SET open = open + 1;
END;
CREATE TRIGGER alert_source_open_enter AFTER UPDATE OF status, dedup_key ON alerts
    WHEN NOT (OLD.dedup_key IS NOT NULL AND OLD.status != 'resolved')
         AND NEW.dedup_key IS NOT NULL AND NEW.status != 'resolved'
BEGIN
    INSERT INTO alert_source_open (source, open) VALUES (NEW.source, 1)
        ON CONFLICT (source) DO UPDATE SET open = open + 1;
END;
CREATE TRIGGER alert_source_open_leave AFTER UPDATE OF status, dedup_key ON alerts
    WHEN OLD.dedup_key IS NOT NULL AND OLD.status != 'resolved'
         AND NOT (NEW.dedup_key IS NOT NULL AND NEW.status != 'resolved')
BEGIN
    UPDATE alert_source_open SET open = open - 1 WHERE source = OLD.source;
END;
CREATE TRIGGER alert_source_open_delete AFTER DELETE ON alerts
    WHEN OLD.dedup_key IS NOT NULL AND OLD.status != 'resolved'
BEGIN
    UPDATE alert_source_open SET open = open - 1 WHERE source = OLD.source;
END;
""", postgres=(
    "CREATE TABLE health_probe (id BIGINT PRIMARY KEY CHECK (id = 1), at DOUBLE PRECISION NOT NULL)",
    'CREATE TABLE alert_source_open (source TEXT PRIMARY KEY, "open" BIGINT NOT NULL)',
    """INSERT INTO alert_source_open (source, "open")
        SELECT source, count(*) FROM alerts WHERE dedup_key IS NOT NULL AND status != 'resolved' GROUP BY source""",
    """CREATE FUNCTION warroom_alert_source_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_open boolean := TG_OP <> 'INSERT' AND OLD.dedup_key IS NOT NULL AND OLD.status <> 'resolved';
    is_open boolean := TG_OP <> 'DELETE' AND NEW.dedup_key IS NOT NULL AND NEW.status <> 'resolved';
BEGIN
    IF is_open AND NOT was_open THEN
        INSERT INTO alert_source_open (source, "open") VALUES (NEW.source, 1)
            ON CONFLICT (source) DO UPDATE SET "open" = alert_source_open."open" + 1;
    ELSIF was_open AND NOT is_open THEN
        UPDATE alert_source_open SET "open" = "open" - 1 WHERE source = OLD.source;
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER alert_source_open AFTER INSERT OR DELETE OR UPDATE OF status, dedup_key ON alerts
        FOR EACH ROW EXECUTE FUNCTION warroom_alert_source_open()""",
)))

MIGRATIONS.append(Migration(7, "a person's pages newest first", """
-- Which DM already shows someone's unanswered pages about a source: walked newest first, per person.
CREATE INDEX pages_by_user_newest ON pages(user_id, id);
DROP INDEX pages_by_user;
"""))

MIGRATIONS.append(Migration(8, "escalation subjects as columns, each person's alert DM per source", """
-- What an escalation is about, as columns a join can use an index for ('alert', 5) rather than text
-- to pick apart ('alert:5').
ALTER TABLE escalations ADD COLUMN subject_kind TEXT;
ALTER TABLE escalations ADD COLUMN subject_id INTEGER;
UPDATE escalations SET
    subject_kind = CASE WHEN subject LIKE 'alert:%' THEN 'alert' ELSE 'incident' END,
    subject_id = CAST(CASE WHEN subject LIKE 'alert:%' THEN substr(subject, 7) ELSE substr(subject, 10) END AS INTEGER);
CREATE INDEX escalations_by_subject_id ON escalations(subject_kind, subject_id);

-- The DM that gathers a person's unanswered pages about one source's alerts (storms).
CREATE TABLE alert_dm_groups (
    user_id  TEXT NOT NULL,
    source   TEXT NOT NULL,
    dm_group TEXT NOT NULL,
    PRIMARY KEY (user_id, source)
);
"""))

MIGRATIONS.append(Migration(9, "claims and leases for several replicas", """
-- An effect or a timer being worked on is claimed by one replica until its lease runs out.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until REAL;
ALTER TABLE timers ADD COLUMN claimed_by TEXT;
ALTER TABLE timers ADD COLUMN lease_until REAL;
CREATE INDEX timers_by_due ON timers(due_at);

-- Jobs only one replica may do at a time (sending to Slack: one sender keeps Slack's rate tiers).
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at REAL    NOT NULL,
    epoch      INTEGER NOT NULL
);
"""))

MIGRATIONS.append(Migration(10, "one pending coalescing effect per lane; a DM's newest pages", """
-- An effect that reads current state when it runs (a surface sync) is recorded once per lane while
-- it waits: a storm's ten thousand changes upsert one row, in one round trip, on every replica.
ALTER TABLE outbox ADD COLUMN coalesces INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX outbox_waiting_once ON outbox(lane, kind) WHERE coalesces = 1 AND state = 'pending' AND attempts = 0;

-- A storm's DM shows its newest alerts: read from the end of the group's pages, not all of them.
CREATE INDEX pages_by_group_newest ON pages(dm_group, id) WHERE dm_group IS NOT NULL;
DROP INDEX pages_by_group;
"""))

MIGRATIONS.append(Migration(11, "the next timer found from indexes", """
-- The timer service asks when the next timer falls due after every tick; the claimed ones (a batch
-- being fired, or held by a replica that died) are few, and are read from this index alone.
CREATE INDEX timers_claimed ON timers(lease_until) WHERE claimed_by IS NOT NULL;
"""))
