import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Pool, schemaVersion } from '@echobase/infra/db';
import { Router } from 'express';
import type { Catalogue } from '../products/catalogue.js';

/** The oldest schema this build can run against (expand-only migrations keep newer ones fine). */
export const REQUIRED_SCHEMA = '0003_revoked_sessions';

interface Check {
  ok: boolean;
  detail: string;
}

async function within(ms: number, work: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      work().catch((error: { code?: string; name?: string }) => ({
        ok: false,
        detail: `unavailable (${error.code ?? error.name ?? 'error'})`,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: {
  pool: Pool;
  sqs: SQSClient;
  queueUrl: string;
  catalogue: Catalogue;
  identity: Record<string, string>;
}) {
  const router = Router();

  router.get('/live', (_req, res) => {
    res.json({ status: 'ok', ...deps.identity });
  });

  router.get('/ready', async (_req, res) => {
    const [database, schema, queue] = await Promise.all([
      within(1000, async () => {
        await deps.pool.query('SELECT 1');
        return { ok: true, detail: 'answering' };
      }),
      within(1000, async () => {
        const version = await schemaVersion(deps.pool);
        return version !== null && version >= REQUIRED_SCHEMA
          ? { ok: true, detail: version }
          : { ok: false, detail: `schema ${version ?? 'empty'} is older than ${REQUIRED_SCHEMA}` };
      }),
      within(1000, async () => {
        await deps.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: deps.queueUrl, AttributeNames: ['QueueArn'] }),
        );
        return { ok: true, detail: 'reachable' };
      }),
    ]);
    const checks = {
      database,
      schema,
      queue,
      secrets: { ok: true, detail: 'loaded at start' },
      catalogue: {
        ok: deps.catalogue.loaded(),
        detail: `${deps.catalogue.list().length} products`,
      },
    };
    const ready = Object.values(checks).every((c) => c.ok);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', ...deps.identity, checks });
  });

  return router;
}
