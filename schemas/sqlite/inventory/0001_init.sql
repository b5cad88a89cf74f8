-- Inventory service: stock per SKU, the audit trail of adjustments, reservations.
-- Invariant per SKU: available + reserved + sold changes only through adjustments.
CREATE TABLE stock (
    sku        TEXT PRIMARY KEY,
    available  INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0),
    reserved   INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    sold       INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0),
    updated_at INTEGER NOT NULL
);

CREATE TABLE stock_adjustments (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    sku             TEXT NOT NULL,
    delta           INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    available_after INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX stock_adjustments_by_sku ON stock_adjustments(sku, seq);

CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,          -- chosen by the caller (the order id): reserving twice is a no-op
    status     TEXT NOT NULL CHECK (status IN ('active', 'committed', 'released')),
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX reservations_expiring ON reservations(status, expires_at);

CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations(id),
    sku            TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, sku)
) WITHOUT ROWID;
