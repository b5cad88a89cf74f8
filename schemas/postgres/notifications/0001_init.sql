-- Notifications service: which mails went out (the bus tables record handled events).
CREATE TABLE sent_mail (
    id         TEXT PRIMARY KEY,   -- also the Maildir file name
    event_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
