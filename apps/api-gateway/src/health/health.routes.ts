import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Pool, schemaVersion } from '@echobase/infra/db';
import type { Logger } from '@echobase/infra/logger';
import { Router } from 'express';
import type { Catalogue } from '../products/catalogue.js';
import { createReadiness, type ReadinessOptions } from './readiness.js';

/** The oldest schema this build can run against (expand-only migrations keep newer ones fine). */
export const REQUIRED_SCHEMA = '0005_order_integrity';

export function healthRoutes(deps: {
  pool: Pool;
  sqs: SQSClient;
  queueUrl: string;
  catalogue: Catalogue;
  identity: Record<string, string>;
  logger: Logger;
  readiness?: ReadinessOptions;
}) {
  // Migrations only ever move the schema forward: once new enough, it stays new enough.
  let schemaConfirmed = false;
  const readiness = createReadiness(
    {
      database: () => deps.pool.query('SELECT 1'),
      schema: async () => {
        if (schemaConfirmed) return;
        const version = await schemaVersion(deps.pool);
        if (version === null || version < REQUIRED_SCHEMA)
          throw Object.assign(new Error(), { code: `SCHEMA_${version ?? 'EMPTY'}` });
        schemaConfirmed = true;
      },
      queue: () =>
        deps.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: deps.queueUrl, AttributeNames: ['QueueArn'] }),
        ),
      secrets: async () => undefined, // read once at start, or the process would not be running
      catalogue: async () => {
        if (!deps.catalogue.loaded()) throw Object.assign(new Error(), { code: 'NOT_LOADED' });
      },
    },
    deps.logger,
    deps.readiness,
  );
  const router = Router();

  router.get('/live', (_req, res) => {
    res.json({ status: 'ok', ...deps.identity });
  });

  // 200 ready / 503 not ready, with which checks pass; why one fails is in the log only.
  router.get('/ready', async (_req, res) => {
    const { ready, checks } = await readiness.check();
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', ...deps.identity, checks });
  });

  return router;
}
