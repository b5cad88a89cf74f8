-- Shipping service: one shipment per paid order, and the carrier's tracking events.
CREATE TABLE shipments (
    tracking_number TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL UNIQUE,   -- creating a shipment twice for an order finds this row
    user_id         TEXT NOT NULL,
    carrier         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('label_created', 'in_transit', 'delivered')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE shipment_events (
    seq             BIGSERIAL PRIMARY KEY,  -- a shipment's events are appended under its row lock: seq is their order
    tracking_number TEXT NOT NULL REFERENCES shipments(tracking_number),
    status          TEXT NOT NULL,
    description     TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX shipment_events_by_shipment ON shipment_events(tracking_number, seq);
