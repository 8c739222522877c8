import { Router } from 'express';
import { requireSession, sessionOf } from '../auth/session.js';
import { type PageQuery, pageOf, pageQuery } from '../http/pagination.js';
import { requestIdOf } from '../http/request-id.js';
import { valid, validate } from '../http/validate.js';
import {
  idempotencyKeyHeader,
  orderIdParams,
  type PlaceOrderBody,
  placeOrderBody,
} from './orders.schemas.js';
import type { OrdersService } from './orders.service.js';

function userIdOf(res: Parameters<typeof sessionOf>[0]): number {
  return sessionOf(res)?.userId ?? 0;
}

export function orderRoutes(orders: OrdersService) {
  const router = Router();
  router.use(requireSession);

  router.post(
    '/',
    validate('headers', idempotencyKeyHeader),
    validate('body', placeOrderBody),
    async (_req, res) => {
      const key = valid<{ 'idempotency-key': string }>(res, 'headers')['idempotency-key'];
      const accepted = await orders.place(
        userIdOf(res),
        valid<PlaceOrderBody>(res, 'body'),
        key,
        requestIdOf(res),
      );
      if (accepted.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res
        .status(accepted.replayed ? 200 : 202)
        .json({ orderId: accepted.orderId, status: accepted.status });
    },
  );

  router.get('/', validate('query', pageQuery), async (_req, res) => {
    const query = valid<PageQuery>(res, 'query');
    const { items, total } = await orders.list(userIdOf(res), query.page, query.pageSize);
    res.json(pageOf(items, query, total));
  });

  router.get('/:id', validate('params', orderIdParams), async (_req, res) => {
    res.json(await orders.get(userIdOf(res), valid<{ id: string }>(res, 'params').id));
  });

  return router;
}
