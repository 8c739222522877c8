-- Issue 8: what an Idempotency-Key was used for, conflicts between two uses, and the state the
-- re-publisher needs. Expand-only and re-runnable; columns are NULL-able or defaulted so that a
-- colour still running the previous build keeps writing rows it knows.

-- SHA-256 (hex) of the order request (product and quantity) the key was first used for. NULL on
-- rows written before this migration, whose fingerprint is computed from their columns.
ALTER TABLE orders
  ADD COLUMN IF NOT EXISTS request_fingerprint CHAR(64) NULL AFTER idempotency_key,
  -- Set each time the row's message is re-published because it stayed `queued` too long.
  ADD COLUMN IF NOT EXISTS republished_at DATETIME(3) NULL,
  ADD COLUMN IF NOT EXISTS republish_count SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  -- The re-publisher and `echobase status` look for the oldest queued orders.
  ADD INDEX IF NOT EXISTS ix_orders_status_created (status, created_at);

-- A message carried a body that differs from the order already recorded under its id (one
-- Idempotency-Key, two orders, accepted while the API could not see the database). The first
-- order written stands; the other is kept here, once, instead of vanishing.
CREATE TABLE IF NOT EXISTS order_conflicts (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id             CHAR(36)        NOT NULL,
  user_id              BIGINT UNSIGNED NOT NULL,
  idempotency_key      VARCHAR(128)    NOT NULL,
  request_fingerprint  CHAR(64)        NOT NULL,
  product_id           INT UNSIGNED    NOT NULL,
  quantity             INT UNSIGNED    NOT NULL,
  request_id           VARCHAR(128)    NULL,
  placed_at            DATETIME(3)     NOT NULL,
  detected_at          DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_order_conflicts_order_request (order_id, request_fingerprint),
  KEY ix_order_conflicts_user (user_id, detected_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
