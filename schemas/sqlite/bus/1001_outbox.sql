-- Event bus tables: the transactional outbox, each consumer's position, dead letters and the
-- consumers' records of handled events (versions 1000+ by the earlier layout's numbering).

-- Transactional outbox: written in the same transaction as the state change it announces.
CREATE TABLE outbox (
    sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL CHECK (json_valid(payload)),
    occurred_at  INTEGER NOT NULL
);

-- Delivery position of each consumer of this outbox (at-least-once, in sequence order).
CREATE TABLE outbox_consumers (
    consumer        TEXT PRIMARY KEY,
    position        INTEGER NOT NULL DEFAULT 0,  -- last sequence handled or dead-lettered
    attempts        INTEGER NOT NULL DEFAULT 0,  -- failed attempts at position + 1
    next_attempt_at INTEGER NOT NULL DEFAULT 0,  -- Unix milliseconds
    last_error      TEXT NOT NULL DEFAULT ''
);

-- Events a consumer gave up on after the maximum number of attempts.
CREATE TABLE dead_letters (
    id           TEXT PRIMARY KEY,
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    type         TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    sequence     INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    error        TEXT NOT NULL,
    failed_at    INTEGER NOT NULL,
    replayed_at  INTEGER
);
CREATE INDEX dead_letters_by_failure ON dead_letters(failed_at, id);

-- Events a consumer of this database has handled (idempotency), written in the same
-- transaction as the consumer's own state change.
CREATE TABLE handled_events (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at INTEGER NOT NULL,
    PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
