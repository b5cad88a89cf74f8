-- Payments service. No card number is ever stored: the provider returns a token.
CREATE TABLE payments (
    id             TEXT PRIMARY KEY,       -- also the idempotency key of every provider call for it
    order_id       TEXT NOT NULL UNIQUE,   -- one payment per order: paying twice finds this row
    user_id        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed', 'refunded')),
    amount         BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    card_last4     TEXT NOT NULL,
    card_brand     TEXT NOT NULL,
    psp_charge_id  TEXT,
    failure_code   TEXT,
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_retry_at  BIGINT,                 -- set while a background retry is due
    retry_deadline BIGINT NOT NULL,        -- give up (and cancel the order) after this
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX payments_due ON payments (status, next_retry_at);
