-- What the recommender learns from order events.

-- How often two products were ordered together (both directions stored: one range scan
-- answers "bought together with X").
CREATE TABLE co_purchases (
    product_id TEXT NOT NULL,
    other_id   TEXT NOT NULL,
    orders     BIGINT NOT NULL,
    PRIMARY KEY (product_id, other_id)
);

-- Units ordered per product and hour (Unix time / 3600): trending is a sum over the window.
CREATE TABLE product_sales (
    hour       BIGINT NOT NULL,
    product_id TEXT NOT NULL,
    units      BIGINT NOT NULL,
    PRIMARY KEY (hour, product_id)
);
