-- Event bus tables: the transactional outbox, each consumer's position, dead letters and the
-- consumers' records of handled events (the same numbering as schemas/sqlite/bus).

-- Transactional outbox: written in the same transaction as the state change it announces.
-- Transactions commit in another order than they appended, so `sequence` (the order
-- consumers read in) is not given at insert: the relay numbers rows once they are
-- committed (outbox_relay), so a consumer never passes an event that commits later.
CREATE TABLE outbox (
    appended     BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    sequence     BIGINT UNIQUE,  -- NULL until the relay numbered it
    type         TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      JSON NOT NULL,  -- json keeps the text as written (jsonb would reorder it)
    occurred_at  BIGINT NOT NULL
);
CREATE INDEX outbox_unsequenced ON outbox (appended) WHERE sequence IS NULL;

-- The last sequence the relay gave out; its row lock makes numbering one at a time.
CREATE TABLE outbox_relay (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_sequence BIGINT NOT NULL
);
INSERT INTO outbox_relay (id, last_sequence) VALUES (1, 0);

-- Delivery position of each consumer of this outbox (at-least-once, in sequence order).
CREATE TABLE outbox_consumers (
    consumer        TEXT PRIMARY KEY,
    position        BIGINT NOT NULL DEFAULT 0,  -- last sequence handled or dead-lettered
    attempts        INTEGER NOT NULL DEFAULT 0, -- failed attempts at position + 1
    next_attempt_at BIGINT NOT NULL DEFAULT 0,  -- Unix milliseconds
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
    occurred_at  BIGINT NOT NULL,
    sequence     BIGINT NOT NULL,
    attempts     INTEGER NOT NULL,
    error        TEXT NOT NULL,
    failed_at    BIGINT NOT NULL,
    replayed_at  BIGINT
);
CREATE INDEX dead_letters_by_failure ON dead_letters (failed_at, id);

-- Events a consumer of this database has handled (idempotency), written in the same
-- transaction as the consumer's own state change.
CREATE TABLE handled_events (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    handled_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX handled_events_by_time ON handled_events (handled_at);
