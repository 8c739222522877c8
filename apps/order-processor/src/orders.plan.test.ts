import { orderFor, SEEDED } from '@echobase/test-kit/orders';
import { describe, expect, it } from 'vitest';
import { type OrderWrite, planOrderWrites, type RowState } from './orders.repository.js';

const product = { sku: 'PC-042', name: 'Plasma Conduit', price: '89.50', active: true };
const write = (order = orderFor(7), status: OrderWrite['status'] = 'completed'): OrderWrite => ({
  order,
  status,
  product,
});
const rowOf = (w: OrderWrite, status = 'queued'): [string, RowState] => [
  w.order.orderId,
  { userId: w.order.userId, fingerprint: w.order.fingerprint, status },
];

describe('planOrderWrites', () => {
  it('inserts new ids, promotes queued rows of the same order, leaves final rows alone', () => {
    const fresh = write();
    const queued = write();
    const done = write();
    const plan = planOrderWrites(new Map([rowOf(queued), rowOf(done, 'completed')]), [
      fresh,
      queued,
      done,
    ]);
    expect(plan.inserts).toEqual([fresh]);
    expect(plan.promotions).toEqual([queued]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.outcomes).toEqual(['recorded', 'promoted', 'recorded']);
  });

  it('never touches a row holding another body or owner: the message is a conflict', () => {
    const first = write(orderFor(7, SEEDED.plasmaConduit, 1));
    const otherBody = write({
      ...orderFor(7, SEEDED.plasmaConduit, 5),
      orderId: first.order.orderId,
    });
    const otherOwner = write({ ...first.order, userId: 8 });
    const plan = planOrderWrites(new Map([rowOf(first)]), [otherBody, otherOwner]);
    expect(plan.inserts).toEqual([]);
    expect(plan.promotions).toEqual([]);
    expect(plan.conflicts).toEqual([otherBody.order, otherOwner.order]);
    expect(plan.outcomes).toEqual(['conflict', 'conflict']);
  });

  it('decides a repeated id against what the first write of the batch leaves', () => {
    const order = write();
    const again = write(order.order);
    const clash = write({ ...orderFor(7, SEEDED.plasmaConduit, 9), orderId: order.order.orderId });
    const inserted = planOrderWrites(new Map(), [order, again, clash]);
    expect(inserted.inserts).toEqual([order]);
    expect(inserted.outcomes).toEqual(['recorded', 'recorded', 'conflict']);

    const promoted = planOrderWrites(new Map([rowOf(order)]), [order, again]);
    expect(promoted.promotions).toEqual([order]);
    expect(promoted.outcomes).toEqual(['promoted', 'recorded']);
  });

  it('does not change the rows it was given', () => {
    const queued = write();
    const rows = new Map([rowOf(queued)]);
    planOrderWrites(rows, [queued]);
    expect(rows.get(queued.order.orderId)?.status).toBe('queued');
  });
});
