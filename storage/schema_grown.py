"""Migrations 12-19: the web side, the status page, pages beyond Slack, on-call that runs itself (issues 10-11)."""

from __future__ import annotations

from storage.schema_migration import Migration

MIGRATIONS: list[Migration] = []

MIGRATIONS.append(Migration(12, "the web side: its signing key and one-time sign-in links", """
-- Keys the web side signs with (session cookies), made once and shared by every replica.
CREATE TABLE web_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- warroom login-link: a sign-in that does not need Slack, used once, soon.
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,              -- sha256 of the token; the token itself is only in the link
    user_id    TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at    REAL
);
"""))

MIGRATIONS.append(Migration(13, "the public status page: public incidents and their public updates", """
-- An incident on the public status page: which components it affects. Its own id is the number the
-- public sees (private incidents leave no gaps in it); revision grows with every change so the page's
-- cache key notices one (SUM over a small table).
CREATE TABLE status_incidents (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
    components  TEXT    NOT NULL,               -- JSON list of configured component names
    marked_by   TEXT    NOT NULL,
    marked_at   REAL    NOT NULL,
    hidden_at   REAL,                           -- taken off the page (/incident public off)
    revision    INTEGER NOT NULL DEFAULT 1
);

-- What was written for the public (/incident status --public); nothing internal is ever copied here.
CREATE TABLE status_updates (
    id                 INTEGER PRIMARY KEY,
    status_incident_id INTEGER NOT NULL REFERENCES status_incidents(id),
    at                 REAL    NOT NULL,
    status             TEXT    NOT NULL,
    text               TEXT    NOT NULL,
    posted_by          TEXT    NOT NULL
);
CREATE INDEX status_updates_by_incident ON status_updates(status_incident_id, id);
"""))

MIGRATIONS.append(Migration(16, "indexes for /metrics and the insights page", """
-- /metrics counts failed effects by kind at every scrape: an index range, not a week's history.
CREATE INDEX outbox_failed ON outbox(kind) WHERE state = 'failed';
-- Insights read a date range of incidents, alerts, pages and acknowledgements (by default the last 90
-- days); the counts come from the indexes alone.
CREATE INDEX incidents_by_declared ON incidents(declared_at);
CREATE INDEX alerts_by_created ON alerts(created_at, source, event_count);
CREATE INDEX pages_by_sent ON pages(sent_at, user_id);
CREATE INDEX escalations_acked ON escalations(acked_at, acked_by) WHERE acked_by IS NOT NULL;
-- An incident's first response (an acknowledged page or a status update), found without walking its
-- channel messages.
CREATE INDEX timeline_responses ON timeline(incident_id, at) WHERE kind IN ('acknowledged', 'update');
-- Who may see a private incident: the few private ones, and who joined each, without a scan.
CREATE INDEX incidents_private ON incidents(id) WHERE is_private = 1;
CREATE INDEX timeline_joined ON timeline(incident_id, actor) WHERE kind = 'joined';
"""))

MIGRATIONS.append(Migration(18, "pages beyond Slack: notifications, their history, used acknowledge links", """
-- One way of reaching one paged person (Slack, email, push, SMS, a call, a webhook), planned when the
-- page starts and sent when due unless someone acknowledged first. A test page has no page behind it.
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    page_id       INTEGER REFERENCES pages(id),
    escalation_id INTEGER REFERENCES escalations(id),
    user_id       TEXT    NOT NULL,
    step          INTEGER NOT NULL,
    method        TEXT    NOT NULL,              -- slack | email | ntfy | pushover | sms | voice | webhook
    priority      TEXT    NOT NULL DEFAULT 'high',
    due_at        REAL    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'planned',  -- planned | sent | failed | skipped | stopped
    attempts      INTEGER NOT NULL DEFAULT 0,
    detail        TEXT    NOT NULL DEFAULT '',
    receipt       TEXT,                          -- Pushover receipt, Twilio message or call SID
    created_at    REAL    NOT NULL,
    sent_at       REAL
);
CREATE INDEX notifications_by_escalation ON notifications(escalation_id, state);
CREATE INDEX notifications_by_page ON notifications(page_id);
CREATE INDEX notifications_by_receipt ON notifications(receipt) WHERE receipt IS NOT NULL;
CREATE INDEX notifications_by_user ON notifications(user_id, method, id);

-- Every attempt and its outcome: the page's history.
CREATE TABLE notification_log (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    at              REAL    NOT NULL,
    outcome         TEXT    NOT NULL,
    detail          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notification_log_by_notification ON notification_log(notification_id);

-- An acknowledge link works once: its hash is kept when it is used.
CREATE TABLE used_ack_links (
    token_hash      TEXT PRIMARY KEY,
    notification_id INTEGER NOT NULL,
    used_at         REAL NOT NULL
);
"""))

MIGRATIONS.append(Migration(19, "on-call that runs itself: silences, handoffs, swaps", """
-- /il-alert silence <source> <duration>: alerts from the source are recorded and shown, not paged.
-- (Maintenance windows come from warroom.yml and are not stored.)
CREATE TABLE silences (
    id         INTEGER PRIMARY KEY,
    source     TEXT    NOT NULL,
    start      REAL    NOT NULL,
    "end"      REAL    NOT NULL,
    created_by TEXT,
    created_at REAL    NOT NULL
);
CREATE INDEX silences_by_source ON silences(source, "end");
-- why an alert was recorded without paging: maintenance | silence (NULL: it was paged as usual)
ALTER TABLE alerts ADD COLUMN silenced TEXT;

-- Every handoff of a schedule warroom has seen, once: the key is what keeps a timer fired twice
-- (a restart, another replica) from announcing one handoff twice.
CREATE TABLE shift_handoffs (
    schedule      TEXT    NOT NULL,
    at            REAL    NOT NULL,      -- when the shift began
    user_id       TEXT,                  -- who has the pager from then (NULL: nobody)
    previous_user TEXT,
    until_at      REAL    NOT NULL,      -- when it ends, as known at the handoff
    announced     INTEGER NOT NULL,      -- 0: the first look at a schedule, or no change of person
    recorded_at   REAL    NOT NULL,
    PRIMARY KEY (schedule, at)
);

-- /il-oncall swap: asked, then accepted (the overrides recorded) or declined.
CREATE TABLE swaps (
    id          INTEGER PRIMARY KEY,
    schedule    TEXT    NOT NULL,
    requester   TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    give_start  REAL    NOT NULL,        -- the requester's shift the target takes
    give_end    REAL    NOT NULL,
    take_start  REAL,                    -- the target's shift the requester takes (NULL: a cover)
    take_end    REAL,
    state       TEXT    NOT NULL,        -- pending | accepted | declined
    created_at  REAL    NOT NULL,
    decided_at  REAL
);
"""))
