import type { Pool } from '@echobase/infra/db';
import type { RowDataPacket } from 'mysql2/promise';

export interface Product {
  id: number;
  sku: string;
  name: string;
  /** Two-decimal string: money never becomes a float. */
  price: string;
}

export function createProductsRepository(pool: Pool) {
  return {
    async activeProducts(): Promise<Product[]> {
      const [rows] = await pool.query<RowDataPacket[]>(
        'SELECT id, sku, name, price FROM products WHERE active = TRUE ORDER BY id',
      );
      return rows.map((r) => ({
        id: Number(r.id),
        sku: r.sku,
        name: r.name,
        price: String(r.price),
      }));
    },
  };
}
export type ProductsRepository = ReturnType<typeof createProductsRepository>;
