-- Users, the product catalogue, orders and the deployment history.
-- Expand-only and re-runnable: every statement is safe to run again after a partial run.

CREATE TABLE IF NOT EXISTS users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email         VARCHAR(254)    NOT NULL,
  password_hash VARCHAR(255)    NOT NULL,
  created_at    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS products (
  id          INT UNSIGNED    NOT NULL PRIMARY KEY,
  sku         VARCHAR(32)     NOT NULL,
  name        VARCHAR(200)    NOT NULL,
  price       DECIMAL(10, 2)  NOT NULL,
  active      BOOLEAN         NOT NULL DEFAULT TRUE,
  created_at  DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at  DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_products_sku (sku),
  CONSTRAINT ck_products_price CHECK (price > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The order id is minted by the API and is the primary key, so a redelivered queue message can
-- never write a second row. The product is snapshotted: a later catalogue change does not
-- rewrite what a customer bought.
CREATE TABLE IF NOT EXISTS orders (
  id               CHAR(36)        NOT NULL PRIMARY KEY,
  user_id          BIGINT UNSIGNED NOT NULL,
  product_id       INT UNSIGNED    NOT NULL,
  product_sku      VARCHAR(32)     NOT NULL,
  product_name     VARCHAR(200)    NOT NULL,
  unit_price       DECIMAL(10, 2)  NOT NULL,
  quantity         INT UNSIGNED    NOT NULL,
  total            DECIMAL(12, 2)  NOT NULL,
  status           VARCHAR(16)     NOT NULL,
  idempotency_key  VARCHAR(128)    NOT NULL,
  request_id       VARCHAR(128)    NULL,
  created_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_orders_user_idempotency (user_id, idempotency_key),
  KEY ix_orders_user_created (user_id, created_at, id),
  CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_orders_product FOREIGN KEY (product_id) REFERENCES products (id),
  CONSTRAINT ck_orders_quantity CHECK (quantity > 0),
  CONSTRAINT ck_orders_status CHECK (status IN ('queued', 'completed', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per step of every deploy; `echobase history` reads it.
CREATE TABLE IF NOT EXISTS deployments (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  deploy_id    CHAR(36)        NOT NULL,
  env          VARCHAR(16)     NOT NULL,
  colour       VARCHAR(8)      NOT NULL,
  build_id     VARCHAR(64)     NOT NULL,
  step         VARCHAR(32)     NOT NULL,
  status       VARCHAR(16)     NOT NULL,
  message      VARCHAR(1000)   NULL,
  started_at   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  finished_at  DATETIME(3)     NULL,
  KEY ix_deployments_deploy (deploy_id, id),
  KEY ix_deployments_started (started_at),
  CONSTRAINT ck_deployments_colour CHECK (colour IN ('blue', 'green')),
  CONSTRAINT ck_deployments_status CHECK (status IN ('started', 'succeeded', 'failed', 'skipped'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
