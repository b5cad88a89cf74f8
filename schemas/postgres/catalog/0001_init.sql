-- Catalog service: category tree, products with variants; flexible attributes are JSON documents.
-- Keys that lists sort or range-scan on (path, name, slug, sku) compare byte by byte
-- (COLLATE "C"), as SQLite's BINARY does, whatever the database's locale: a category
-- subtree is then a range of paths and cursor pages agree with the other adapters.
CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    slug       TEXT COLLATE "C" NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES categories(id),
    path       TEXT COLLATE "C" NOT NULL,  -- '/<root id>/<child id>/.../<own id>/': a subtree is a prefix
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX categories_by_path ON categories(path);

CREATE TABLE products (
    seq           BIGSERIAL PRIMARY KEY,    -- insertion order: the stable tie-breaker of every list cursor
    id            TEXT NOT NULL UNIQUE,
    slug          TEXT COLLATE "C" NOT NULL UNIQUE,
    name          TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    category_id   TEXT REFERENCES categories(id),
    category_path TEXT COLLATE "C",         -- copy of the category's path, for subtree filters
    attributes    JSON NOT NULL DEFAULT '{}',  -- json keeps the text as written (jsonb would reorder it)
    images        TEXT NOT NULL DEFAULT '',  -- URLs separated by newlines (a valid URL holds no whitespace)
    currency      TEXT NOT NULL,
    price_from    BIGINT NOT NULL,          -- lowest variant price, minor units
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX products_by_status_seq ON products(status, seq);
CREATE INDEX products_by_status_price ON products(status, price_from, seq);
CREATE INDEX products_by_status_name ON products(status, name, seq);
CREATE INDEX products_by_category ON products(category_path, status, seq);

CREATE TABLE variants (
    sku        TEXT COLLATE "C" PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    price      BIGINT NOT NULL CHECK (price >= 0),
    currency   TEXT NOT NULL,
    attributes JSON NOT NULL DEFAULT '{}'
);
CREATE INDEX variants_by_product ON variants(product_id, position);
