-- Orders service, one database per shard (orders_<n>.db): a user's orders all live in
-- shard hash(user_id) mod N, so one user's reads and writes touch one file.
CREATE TABLE orders (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    id                     TEXT NOT NULL UNIQUE,
    user_id                TEXT NOT NULL,
    status                 TEXT NOT NULL,
    currency               TEXT NOT NULL,
    subtotal               INTEGER NOT NULL,
    total                  INTEGER NOT NULL,
    item_count             INTEGER NOT NULL,
    ship_name              TEXT,            -- NULL: no shipping address
    ship_line1             TEXT,
    ship_line2             TEXT,
    ship_city              TEXT,
    ship_region            TEXT,
    ship_postal_code       TEXT,
    ship_country           TEXT,
    ship_phone             TEXT,
    reservation_expires_at INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX orders_by_user ON orders(user_id, seq);

CREATE TABLE order_items (
    order_id     TEXT NOT NULL REFERENCES orders(id),
    position     INTEGER NOT NULL,
    sku          TEXT NOT NULL,
    product_id   TEXT NOT NULL,
    product_name TEXT NOT NULL,
    variant_name TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    unit_price   INTEGER NOT NULL,
    line_total   INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;

CREATE TABLE order_status_history (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES orders(id),
    status   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX order_status_history_by_order ON order_status_history(order_id, seq);

-- Idempotency keys of order placement: written in the same transaction as the order.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
