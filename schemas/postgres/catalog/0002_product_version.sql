-- Optimistic concurrency: every update must name the version it read.
ALTER TABLE products ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
