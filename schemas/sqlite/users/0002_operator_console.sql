-- The operator console: the list of accounts, newest first, reads this index; every role an
-- operator grants or withdraws is kept with who did it and when (the audit of admin rights).
CREATE INDEX users_by_time ON users (created_at, id);
CREATE TABLE role_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('customer', 'admin')),
    changed_by TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX role_changes_by_user ON role_changes (user_id, seq);
