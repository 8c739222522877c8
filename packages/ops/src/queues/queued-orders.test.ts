import { describe, expect, it } from 'vitest';
import { formatQueuedOrders, readQueuedOrders } from './queued-orders.js';

describe('queued orders in status', () => {
  it('reads the count and the age of the oldest by the database clock', async () => {
    const sql: string[] = [];
    const conn = {
      query: async (text: string) => {
        sql.push(text);
        return [[{ queued: '3', oldest: '125' }], []];
      },
    };
    expect(await readQueuedOrders(conn as never)).toEqual({ queued: 3, oldestQueuedSeconds: 125 });
    expect(sql[0]).toMatch(/UTC_TIMESTAMP/);
    const none = { query: async () => [[{ queued: 0, oldest: null }], []] };
    expect(await readQueuedOrders(none as never)).toEqual({ queued: 0, oldestQueuedSeconds: null });
  });

  it('says it in one line', () => {
    expect(formatQueuedOrders({ queued: 3, oldestQueuedSeconds: 125 })).toBe(
      'orders: 3 queued, the oldest for 2m05s',
    );
    expect(formatQueuedOrders({ queued: 0, oldestQueuedSeconds: null })).toBe(
      'orders: none queued',
    );
    expect(formatQueuedOrders(null)).toBe('orders: database not answering');
  });
});
