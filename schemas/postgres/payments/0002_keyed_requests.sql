-- Payment requests sent with an Idempotency-Key and the answer each got: a repeat with the
-- same key and request gets that answer again; the same key with another request is 422.
-- Kept for a day (the index serves the hourly clean-up).
CREATE TABLE keyed_requests (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,   -- SHA-256 of the order and the payment method, never of card data
    status       BIGINT NOT NULL,  -- 0 while the first request runs (a claim), then the HTTP status
    content_type TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX keyed_requests_by_time ON keyed_requests (created_at);
