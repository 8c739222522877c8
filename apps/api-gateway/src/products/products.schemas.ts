import { z } from 'zod';

export const productResponse = z.object({
  id: z.number().int(),
  sku: z.string(),
  name: z.string(),
  price: z.string().describe('decimal amount with two places'),
});
export const productPage = z.object({
  items: z.array(productResponse),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
