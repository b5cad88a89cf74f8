-- Inventory service: stock per SKU, the audit trail of adjustments, reservations.
-- Invariant per SKU: available + reserved + sold changes only through adjustments.
-- SKUs compare byte by byte (COLLATE "C"): jobs that lock several stock rows take them in
-- SKU order, and that order must be the same whatever the database's locale.
CREATE TABLE stock (
    sku        TEXT COLLATE "C" PRIMARY KEY,
    available  BIGINT NOT NULL DEFAULT 0 CHECK (available >= 0),
    reserved   BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    sold       BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    updated_at BIGINT NOT NULL
);

-- `seq` is taken while the job holds the stock row's lock, so per SKU it follows the
-- order in which adjustments applied.
CREATE TABLE stock_adjustments (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    sku             TEXT COLLATE "C" NOT NULL,
    delta           BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    available_after BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX stock_adjustments_by_sku ON stock_adjustments(sku, seq);

CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,          -- chosen by the caller (the order id): reserving twice is a no-op
    status     TEXT NOT NULL CHECK (status IN ('active', 'committed', 'released')),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reservations_expiring ON reservations(status, expires_at);

CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations(id),
    sku            TEXT COLLATE "C" NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, sku)
);
