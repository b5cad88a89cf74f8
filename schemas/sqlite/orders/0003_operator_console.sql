-- The operator console: each status change names the user whose request made it (the
-- shopper, or the operator who cancelled or refunded; '' for the system's own work), and
-- the list of every order, newest first, reads this index instead of the whole table.
ALTER TABLE order_status_history ADD COLUMN actor TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_by_time ON orders (created_at, id);
