/**
 * What tracing costs, measured within one run: the same built API twice, tracing on (every
 * request sampled, spans sent to the ci layer's Jaeger) and off (OTEL_SDK_DISABLED=true), in
 * alternating rounds of authenticated reads (GET /api/v1/orders, a page of 20 of 50 orders) and
 * of order intake (POST /api/v1/orders). Then each one's resident memory, and a processor's with
 * tracing on and off after each has handled the same orders.
 * Last, the whole native ci stack's resident memory (the durable layer with Prometheus and Jaeger,
 * and both colours), from `echobase status`, when both colours are up.
 * Budgets (issue 11): reads on ≥ 0.85 of off, intake ≥ 0.9; ≤ +80 MB resident per app process;
 * the whole native stack with both colours < 1.5 GB.
 * Usage: npm run bench:tracing [-- --seconds 3 --rounds 5 --connections 16]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { writeResults } from '@echobase/test-kit/bench';
import { echobaseOk } from '@echobase/test-kit/cli';
import { appPool } from '@echobase/test-kit/db';
import { type Session, signUp } from '@echobase/test-kit/http';
import { waitFor } from '@echobase/test-kit/poll';
import { type Started, spawnProcessor, startApp } from '@echobase/test-kit/process';
import { sqsClient } from '@echobase/test-kit/queue';
import autocannon from 'autocannon';
import {
  ensureDurable,
  freshQueues,
  median,
  postOrders,
  print,
  seedCompletedOrders,
} from './support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const PORTS = { on: 3291, off: 3292 } as const;
type Side = keyof typeof PORTS;
const OFF = { OTEL_SDK_DISABLED: 'true' };

await ensureDurable();
const sqs = sqsClient();
const queues = await freshQueues(sqs, 'tracing');
const pool = await appPool({ connectionLimit: 5 });

/** Resident memory of a process, from /proc. */
async function rssMb(started: Started): Promise<number> {
  const status = await readFile(`/proc/${started.child.pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function reads(side: Side, session: Session) {
  const result = await autocannon({
    url: `http://127.0.0.1:${PORTS[side]}/api/v1/orders`,
    connections,
    duration: seconds,
    headers: { cookie: session.cookie },
  });
  return { perSecond: result['2xx'] / seconds, errors: result.non2xx + result.errors };
}
async function intake(side: Side, session: Session) {
  const result = await postOrders(PORTS[side], session, { connections, seconds, productId: 1 });
  return { perSecond: result['2xx'] / seconds, errors: result.non2xx + result.errors };
}

const apis: Partial<Record<Side, Started>> = {};
const processors: Started[] = [];
try {
  for (const side of ['on', 'off'] as const) {
    apis[side] = await startApp('api-gateway', {
      env: {
        ORDERS_QUEUE_URL: queues.queueUrl,
        PORT: String(PORTS[side]),
        LOG_LEVEL: 'warn',
        ...(side === 'off' ? OFF : {}),
      },
      readyUrl: `http://127.0.0.1:${PORTS[side]}/health/ready`,
    });
  }
  const idle = {
    on: await rssMb(apis.on as Started),
    off: await rssMb(apis.off as Started),
  };
  const session = await signUp(`http://127.0.0.1:${PORTS.on}`, 'bench-tracing');
  await seedCompletedOrders(pool, session.userId);

  print([
    `tracing on vs off, one API each: ${connections} connections, ${rounds} alternating rounds of ${seconds} s`,
  ]);
  const runs = {
    reads: { on: [] as number[], off: [] as number[] },
    intake: { on: [] as number[], off: [] as number[] },
  };
  let errors = 0;
  for (let i = 0; i < rounds; i++) {
    // Alternating, and each pair in the other order next time: a busy moment lands on both.
    const order: Side[] = i % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const side of order) {
      const r = await reads(side, session);
      runs.reads[side].push(r.perSecond);
      errors += r.errors;
    }
    for (const side of order) {
      const r = await intake(side, session);
      runs.intake[side].push(r.perSecond);
      errors += r.errors;
    }
  }
  const loaded = {
    on: await rssMb(apis.on as Started),
    off: await rssMb(apis.off as Started),
  };

  // The orders taken are on the queue: a processor with tracing on, then one with it off, each
  // handles a share; their memory after the work.
  const processorRss: Record<Side, number> = { on: 0, off: 0 };
  for (const side of ['on', 'off'] as const) {
    const processor = await spawnProcessor(queues.queueUrl, side === 'off' ? OFF : {});
    processors.push(processor);
    await waitFor(
      `the ${side} processor to handle orders`,
      async () =>
        processor.lines.filter((l) => l.msg === 'order recorded').length >= 200 || undefined,
      { timeoutMs: 120_000 },
    );
    processorRss[side] = await rssMb(processor);
    await processor.stop();
  }

  const status = JSON.parse(await echobaseOk(['status', '--env', 'ci', '--json'])) as {
    durable: { runtime: string };
    colours: { colour: string; healthy: boolean }[];
    residentBytes: number;
  };
  const bothUp = status.colours.filter((c) => c.healthy).length === 2;
  const stackMb =
    status.durable.runtime === 'native' && bothUp ? status.residentBytes / 2 ** 20 : null;

  const ratio = (kind: 'reads' | 'intake') => median(runs[kind].on) / median(runs[kind].off);
  const figures = {
    seconds,
    rounds,
    connections,
    errors,
    reads: {
      onPerSecond: median(runs.reads.on),
      offPerSecond: median(runs.reads.off),
      rounds: runs.reads,
      ratio: ratio('reads'),
      target: 0.85,
    },
    intake: {
      onPerSecond: median(runs.intake.on),
      offPerSecond: median(runs.intake.off),
      rounds: runs.intake,
      ratio: ratio('intake'),
      target: 0.9,
    },
    memoryMb: {
      api: { idle, loaded, extra: loaded.on - loaded.off },
      processor: { ...processorRss, extra: processorRss.on - processorRss.off },
      target: 80,
      wholeNativeStack: stackMb,
      wholeNativeStackTarget: 1536,
    },
  };
  const met = (value: number, target: number) => (value >= target ? 'met' : 'NOT met');
  const within = (extra: number) => (extra <= 80 ? 'met' : 'NOT met');
  print([
    `  reads:  on ${figures.reads.onPerSecond.toFixed(0)} req/s, off ${figures.reads.offPerSecond.toFixed(0)} req/s: ratio ${figures.reads.ratio.toFixed(2)} (target ≥ 0.85: ${met(figures.reads.ratio, 0.85)})`,
    `  intake: on ${figures.intake.onPerSecond.toFixed(0)} orders/s, off ${figures.intake.offPerSecond.toFixed(0)} orders/s: ratio ${figures.intake.ratio.toFixed(2)} (target ≥ 0.9: ${met(figures.intake.ratio, 0.9)})`,
    `  API resident: on ${loaded.on.toFixed(0)} MB, off ${loaded.off.toFixed(0)} MB after the load (idle ${idle.on.toFixed(0)} / ${idle.off.toFixed(0)}): +${figures.memoryMb.api.extra.toFixed(0)} MB (target ≤ +80: ${within(figures.memoryMb.api.extra)})`,
    `  processor resident: on ${processorRss.on.toFixed(0)} MB, off ${processorRss.off.toFixed(0)} MB: +${figures.memoryMb.processor.extra.toFixed(0)} MB (target ≤ +80: ${within(figures.memoryMb.processor.extra)})`,
    stackMb === null
      ? '  whole native stack: not measured (deploy both colours natively first: npx echobase deploy --env ci --keep-warm, twice)'
      : `  whole native stack (durable layer with Prometheus and Jaeger, both colours): ${stackMb.toFixed(0)} MB (target < 1536: ${stackMb < 1536 ? 'met' : 'NOT met'})`,
    `  failed requests: ${errors}`,
  ]);
  const file = await writeResults('tracing-cost', figures);
  print([`  written to ${file}`]);
} finally {
  for (const processor of processors) await processor.stop();
  for (const api of Object.values(apis)) await api?.stop();
  await queues.remove();
  await pool.end();
  sqs.destroy();
}
