-- Orders service, one database per shard (on different servers in production): a user's
-- orders all live in shard hash(user_id) mod N, so one user's reads and writes touch one
-- database. Each shard database also has the bus tables: its own outbox.
CREATE TABLE orders (
    -- Insertion order: "my orders" pages newest first by it.
    seq                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                     TEXT NOT NULL UNIQUE,
    user_id                TEXT NOT NULL,
    status                 TEXT NOT NULL,
    currency               TEXT NOT NULL,
    subtotal               BIGINT NOT NULL,
    total                  BIGINT NOT NULL,
    item_count             BIGINT NOT NULL,
    ship_name              TEXT,            -- NULL: no shipping address
    ship_line1             TEXT,
    ship_line2             TEXT,
    ship_city              TEXT,
    ship_region            TEXT,
    ship_postal_code       TEXT,
    ship_country           TEXT,
    ship_phone             TEXT,
    reservation_expires_at BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX orders_by_user ON orders (user_id, seq);

CREATE TABLE order_items (
    order_id     TEXT NOT NULL REFERENCES orders (id),
    position     BIGINT NOT NULL,
    sku          TEXT NOT NULL,
    product_id   TEXT NOT NULL,
    product_name TEXT NOT NULL,
    variant_name TEXT NOT NULL,
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    unit_price   BIGINT NOT NULL,
    line_total   BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE order_status_history (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    status   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX order_status_history_by_order ON order_status_history (order_id, seq);

-- Idempotency keys of order placement: written in the same transaction as the order. The
-- primary key is what keeps two concurrent requests with one key from both placing an order.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
