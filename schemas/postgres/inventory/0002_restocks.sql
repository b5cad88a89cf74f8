-- Paid orders refunded before they shipped put their units back on sale once each:
-- a row here marks the reservation whose units went back from sold to available.
CREATE TABLE restocked_reservations (
    reservation_id TEXT PRIMARY KEY REFERENCES reservations(id),
    restocked_at   BIGINT NOT NULL
);
