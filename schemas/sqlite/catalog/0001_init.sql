-- Catalog service: category tree, products with variants; flexible attributes are JSON documents.
CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES categories(id),
    path       TEXT NOT NULL,              -- '/<root id>/<child id>/.../<own id>/': a subtree is a prefix
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX categories_by_path ON categories(path);

CREATE TABLE products (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: the stable tie-breaker of every list cursor
    id            TEXT NOT NULL UNIQUE,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    category_id   TEXT REFERENCES categories(id),
    category_path TEXT,                     -- copy of the category's path, for subtree filters
    attributes    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    images        TEXT NOT NULL DEFAULT '',  -- URLs separated by newlines (a valid URL holds no whitespace)
    currency      TEXT NOT NULL,
    price_from    INTEGER NOT NULL,         -- lowest variant price, minor units
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX products_by_status_seq ON products(status, seq);
CREATE INDEX products_by_status_price ON products(status, price_from, seq);
CREATE INDEX products_by_status_name ON products(status, name, seq);
CREATE INDEX products_by_category ON products(category_path, status, seq);

CREATE TABLE variants (
    sku        TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    price      INTEGER NOT NULL CHECK (price >= 0),
    currency   TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes))
);
CREATE INDEX variants_by_product ON variants(product_id, position);
