import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;

export const pageQuery = z
  .object({
    page: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be 1 or more')
      .max(100_000, 'is too large')
      .default(1),
    pageSize: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be 1 or more')
      .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
      .default(20),
  })
  .strict();
export type PageQuery = z.infer<typeof pageQuery>;

export function pageOf<T>(items: T[], query: PageQuery, total: number) {
  return { items, page: query.page, pageSize: query.pageSize, total };
}
