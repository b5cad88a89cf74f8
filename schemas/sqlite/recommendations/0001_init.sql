-- What the recommender learns from order events.

-- How often two products were ordered together (both directions stored: one range scan
-- answers "bought together with X").
CREATE TABLE co_purchases (
    product_id TEXT NOT NULL,
    other_id   TEXT NOT NULL,
    orders     INTEGER NOT NULL,
    PRIMARY KEY (product_id, other_id)
) WITHOUT ROWID;

-- Units ordered per product and hour (Unix time / 3600): trending is a sum over the window.
CREATE TABLE product_sales (
    hour       INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    units      INTEGER NOT NULL,
    PRIMARY KEY (hour, product_id)
) WITHOUT ROWID;
