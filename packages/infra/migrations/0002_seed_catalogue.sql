-- The starting catalogue. Ids are fixed so every environment agrees on them; re-running updates
-- nothing that an operator changed since (INSERT IGNORE).
INSERT IGNORE INTO products (id, sku, name, price) VALUES
  (1,  'QS-001',  'Quantum Stabilizer',      249.99),
  (2,  'PC-042',  'Plasma Conduit',           89.50),
  (3,  'NIM-007', 'Neural Interface Module', 599.00),
  (4,  'GD-113',  'Gravity Dampener',        175.25),
  (5,  'CSU-088', 'Chrono Sync Unit',        324.75),
  (6,  'HP-101',  'Headphones',               79.99),
  (7,  'KB-202',  'Keyboard',                 49.99),
  (8,  'LT-303',  'Laptop',                  999.99),
  (9,  'MN-404',  'Monitor',                 349.99),
  (10, 'MS-505',  'Mouse',                    29.99),
  (11, 'WC-606',  'Webcam',                   59.99);
