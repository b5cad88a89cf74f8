-- Idempotency keys are remembered for a day (as payment providers do); this index lets the
-- hourly clean-up find the old ones without reading the whole table.
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);
