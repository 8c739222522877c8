import { join } from 'node:path';
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@echobase/infra/queue';
import { Client } from '@echobase/test-kit/http';
import { beforeAll, describe, expect, it } from 'vitest';
import { appEnvironment } from '../src/app-env.js';
import { readStackInfo } from '../src/colour-stack.js';
import { panelQueries, readDashboards } from '../src/dashboards.js';
import { PORT_PLAN } from '../src/plan.js';
import { waitFor } from '../src/process.js';
import { EMULATOR_CREDENTIALS } from '../src/provision/aws.js';
import {
  builds,
  cli,
  expectCleanError,
  history,
  lb,
  OPERATOR,
  PRODUCTION,
  ROOT,
  run,
  servedBy,
} from './support.js';

/**
 * The blue/green flow an operator runs, in the runtime the run is for (the native half and the
 * docker half of the test command both run this file): deploy blue, then green next to it with
 * blue kept warm, production following with no reload; rollback and forward, in history; retire
 * refused for the active colour and for a colour whose queue holds messages. The scenarios
 * build on each other in order. Natively-only scenarios are in deploy.test.ts.
 */
beforeAll(async () => {
  await cli(['stack', 'down', 'blue', '--env', 'ci']);
  await cli(['stack', 'down', 'green', '--env', 'ci']);
  expect((await cli(['durable', 'setup', 'ci'])).code).toBe(0);
});

describe(`deploy, switch, rollback, retire (${process.env.ECHOBASE_RUNTIME || 'native'}, ci)`, () => {
  it('deploys blue, then green next to it, and production follows with no reload', async () => {
    const first = await cli(['deploy', '--env', 'ci', '--colour', 'blue', '--watch', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(await servedBy()).toBe('blue');

    const second = await cli([
      'deploy',
      '--env',
      'ci',
      '--colour',
      'green',
      '--watch',
      '1',
      '--keep-warm',
    ]);
    expect(second.code, second.stderr).toBe(0);
    for (const step of [
      'migrate',
      'start',
      'readiness',
      'smoke',
      'switch',
      'watch',
      'drain',
      'keep-warm',
    ]) {
      expect(second.stderr, step).toMatch(new RegExp(`\\b${step}\\b`));
    }
    expect(await servedBy()).toBe('green');
    expect((await lb()).active).toBe('green');

    expect(
      (await history()).findLast((r) => r.step === 'switch' && r.colour === 'green'),
    ).toMatchObject({
      status: 'succeeded',
      fromColour: 'blue',
      actor: OPERATOR,
      buildId: (await builds()).green,
    });
  });

  it('status shows both colours, their builds and queues; logs show a colour and the durable layer', async () => {
    const out = await cli(['status', '--env', 'ci', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const status = JSON.parse(out.stdout) as {
      active: string;
      durable: { runtime: string; healthy: boolean };
      colours: { colour: string; buildId: string; healthy: boolean; queue: { visible: number } }[];
    };
    const running = await builds();
    expect(status.active).toBe('green');
    expect(status.durable).toMatchObject({
      runtime: process.env.ECHOBASE_RUNTIME || 'native',
      healthy: true,
    });
    expect(
      status.colours.map((c) => [c.colour, c.buildId, c.healthy, typeof c.queue?.visible]),
    ).toEqual([
      ['blue', running.blue, true, 'number'],
      ['green', running.green, true, 'number'],
    ]);

    // The API's own JSON lines, of the colour asked for.
    const api = await cli(['logs', 'green', 'api', '--env', 'ci', '--json', '--lines', '20']);
    expect(api.code, api.stderr).toBe(0);
    const lines = api.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.service === 'api-gateway' && l.colour === 'green')).toBe(true);
    // Every durable service's log, the SQS endpoint's included.
    for (const service of ['mariadb', 'aws', 'sqs', 'nginx', 'prometheus', 'jaeger']) {
      const durable = await cli(['logs', 'durable', service, '--env', 'ci', '--lines', '5']);
      expect(durable.code, `${service}: ${durable.stderr}`).toBe(0);
      expect(durable.stdout.trim(), service).not.toBe('');
    }
  });

  it("Prometheus scrapes both colours' API and processor, each series labelled with its colour", async () => {
    const prometheus = `http://127.0.0.1:${PORT_PLAN.ci.durable.prometheus}`;
    const query = async (expr: string) => {
      const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    };
    // Every target of the generated config answers: blue kept warm, green serving.
    const up = await waitFor(
      'all four app targets up',
      async () => {
        const result = await query('up{job=~"api-gateway|order-processor"} == 1');
        return result.length === 4 && result;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(up.map((r) => `${r.metric.job}/${r.metric.colour}`).sort()).toEqual([
      'api-gateway/blue',
      'api-gateway/green',
      'order-processor/blue',
      'order-processor/green',
    ]);
    // The smoke test's requests reached green's API through the load balancer, and the apps'
    // own labels agree with the scrape's.
    const served = await waitFor('green requests in Prometheus', async () => {
      const result = await query('http_requests_total{colour="green",route="/api/v1/products"}');
      return result.length > 0 && result;
    });
    // nginx's own counters, per colour, from its admin listener.
    const routed = await waitFor('the load balancer scraped', async () => {
      const result = await query(
        'echobase_lb_requests_total{job="load-balancer",colour="green"} > 0',
      );
      return result.length > 0 && result;
    });
    expect(routed).toHaveLength(1);
    expect(await query('echobase_lb_active{colour="green"} == 1')).toHaveLength(1);
    expect(served[0]?.metric).toMatchObject({
      service: 'api-gateway',
      build: (await builds()).green,
    });
  });

  it('fires EchobaseDeadLetters for the colour whose dead-letter queue holds a message', async () => {
    const info = await readStackInfo('ci', 'blue', ROOT);
    const deadLetters = info?.deadLetterQueueUrl as string;
    const base = appEnvironment('ci');
    const sqs = createSqsClient({
      region: base.AWS_REGION as string,
      endpoint: base.AWS_ENDPOINT_URL_SQS,
      credentials: EMULATOR_CREDENTIALS,
    });
    const alerts = async () => {
      const res = await fetch(`http://127.0.0.1:${PORT_PLAN.ci.durable.prometheus}/api/v1/alerts`);
      const body = (await res.json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
      };
      return body.data.alerts.filter((a) => a.labels.alertname === 'EchobaseDeadLetters');
    };
    try {
      expect(await alerts()).toEqual([]);
      await sqs.send(
        new SendMessageCommand({ QueueUrl: deadLetters, MessageBody: '{"dead":"letter"}' }),
      );
      const firing = await waitFor(
        'EchobaseDeadLetters to fire',
        async () => {
          const found = (await alerts()).filter((a) => a.state === 'firing');
          return found.length > 0 && found;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(firing.map((a) => a.labels.colour)).toEqual(['blue']);
    } finally {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: deadLetters }));
      sqs.destroy();
    }
    await waitFor('EchobaseDeadLetters to resolve', async () => (await alerts()).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
  });

  it("traces an order through production, from the API to the processor's write; its lines are found by trace id", async () => {
    const user = new Client(PRODUCTION);
    await user.registerNew('traced');
    const placed = await user.placeOrder(2, 1);
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    const shown = await cli(['trace', orderId, '--env', 'ci', '--wait', '30']);
    expect(shown.code, shown.stderr).toBe(0);
    const traceId = /^trace ([0-9a-f]{32}):/.exec(shown.stdout)?.[1] as string;
    expect(traceId, shown.stdout).toBeDefined();
    // The tree: the request (express instrumented: the launcher loaded the SDK first), the
    // publish under it, the processor's span under that, and its write under that, all of the
    // colour production runs, with its build.
    const green = (await builds()).green;
    const lines = shown.stdout.split('\n');
    const depth = (pattern: RegExp) => {
      const line = lines.find((l) => pattern.test(l));
      expect(line, `${pattern} in\n${shown.stdout}`).toBeDefined();
      return (line as string).search(/\S/) / 2;
    };
    expect(depth(/^POST \/api\/v1\/orders {2}\[api-gateway \(green /)).toBe(0);
    expect(depth(/^ {2}request handler {2}\[api-gateway/)).toBe(1);
    const publish = depth(/echobase-ci-green-orders publish {2}\[api-gateway/);
    expect(depth(/echobase-ci-green-orders process {2}\[order-processor \(green /)).toBe(
      publish + 1,
    );
    expect(depth(/^ *UPDATE {2}\[order-processor.*UPDATE orders/)).toBe(publish + 2);
    expect(shown.stdout).toContain(`(green ${green})`);
    expect(shown.stdout).toContain(`order ${orderId}`);
    expect(shown.stdout).toContain(
      `Jaeger: http://127.0.0.1:${PORT_PLAN.ci.durable.jaeger}/trace/${traceId}`,
    );

    // The same trace id on the API's, the processor's and nginx's lines about it, and only those.
    for (const [what, service, expected] of [
      ['green', 'api', 'request'],
      ['green', 'processor', 'order recorded'],
    ] as const) {
      const found = await cli(['logs', what, service, '--env', 'ci', '--json', '--trace', traceId]);
      expect(found.code, found.stderr).toBe(0);
      const records = found.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.every((r) => r.trace_id === traceId)).toBe(true);
      expect(records.map((r) => r.msg)).toContain(expected);
    }
    const nginx = await waitFor(
      "the access line in nginx's log",
      async () => {
        const found = await cli(['logs', 'durable', 'nginx', '--env', 'ci', '--trace', traceId]);
        return found.stdout.includes('"POST /api/v1/orders') ? found.stdout : undefined;
      },
      { intervalMs: 500 },
    );
    expect(
      nginx
        .trim()
        .split('\n')
        .every((l) => l.includes(`trace=${traceId}`)),
    ).toBe(true);

    const bad = await cli(['logs', 'green', 'api', '--env', 'ci', '--trace', 'nope']);
    expect(expectCleanError(bad)).toContain('--trace takes a trace id of 32 hex digits');
    const none = await cli([
      'trace',
      '00000000-0000-5000-8000-000000000000',
      '--env',
      'ci',
      '--wait',
      '1',
    ]);
    expect(expectCleanError(none)).toContain(
      'no trace of order 00000000-0000-5000-8000-000000000000 reached Jaeger',
    );
  });

  it("answers every dashboard panel's query from Prometheus with data", async () => {
    const dashboards = await readDashboards(ROOT);
    const prometheus = `http://127.0.0.1:${PORT_PLAN.ci.durable.prometheus}`;
    const query = async (expr: string) => {
      const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        status: string;
        data?: { result: unknown[] };
        error?: string;
      };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data?.result ?? [];
    };
    // Traffic for the rates over the last minute: an order through production.
    const user = new Client(PRODUCTION);
    await user.registerNew('dashboards');
    expect((await user.placeOrder(1, 1)).status).toBe(202);
    const panels = panelQueries(dashboards);
    let missing: string[] = [];
    await waitFor(
      'every panel to have data',
      async () => {
        missing = [];
        for (const panel of panels)
          if ((await query(panel.expr)).length === 0) missing.push(panel.name);
        return missing.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    ).catch(() => undefined);
    // Named when one stays empty: `orders.json › Dead-letter queue › A`.
    expect(missing).toEqual([]);
    // The annotations' queries are valid (they have data only around a switch or a start).
    for (const d of dashboards) for (const a of d.annotations.list) await query(a.expr);
  });

  it('takes and completes orders while Prometheus and Jaeger are down, and setup brings them back', async () => {
    const ready = {
      prometheus: `http://127.0.0.1:${PORT_PLAN.ci.durable.prometheus}/-/ready`,
      jaeger: `http://127.0.0.1:${PORT_PLAN.ci.durable.jaeger}/api/services`,
    };
    const answers = (url: string) =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    // Stopped as an operator (or a crash the supervisor gave up on) would leave them.
    for (const service of ['prometheus', 'jaeger'] as const) {
      const stop =
        process.env.ECHOBASE_RUNTIME === 'docker'
          ? await run('docker', ['stop', `echobase-ci-durable-${service}`])
          : await run('supervisorctl', [
              '-c',
              join(ROOT, '.echobase/ci/supervisor/supervisord.conf'),
              'stop',
              service,
            ]);
      expect(stop.code, stop.stderr).toBe(0);
      expect(await answers(ready[service])).toBe(false);
    }

    const user = new Client(PRODUCTION);
    await user.registerNew('no-observability');
    const placed = await user.placeOrder(1, 1);
    expect(placed.status).toBe(202);
    await waitFor(
      'the order completed',
      async () =>
        (await user.request('GET', `/api/v1/orders/${placed.body.orderId}`)).body.status ===
        'completed',
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const setup = await cli(['durable', 'setup', 'ci']);
    expect(setup.code, setup.stderr).toBe(0);
    expect(await answers(ready.prometheus)).toBe(true);
    expect(await answers(ready.jaeger)).toBe(true);
  });

  it('rolls back to the colour kept warm, then forward again; history shows both', async () => {
    const back = await cli(['rollback', '--env', 'ci']);
    expect(back.code, back.stderr).toBe(0);
    expect(await servedBy()).toBe('blue');
    expect((await cli(['switch', 'green', '--env', 'ci'])).code).toBe(0);
    expect(await servedBy()).toBe('green');
    // A switch to the colour already active changes nothing, so it is not history.
    expect((await cli(['switch', 'green', '--env', 'ci'])).code).toBe(0);

    const [rollback, forward] = await history(2);
    const running = await builds();
    expect(rollback).toMatchObject({
      step: 'rollback',
      fromColour: 'green',
      colour: 'blue',
      status: 'succeeded',
      actor: OPERATOR,
      buildId: running.blue,
    });
    expect(forward).toMatchObject({
      step: 'switch',
      fromColour: 'blue',
      colour: 'green',
      status: 'succeeded',
      actor: OPERATOR,
      buildId: running.green,
    });
    expect(Date.parse(forward?.startedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(rollback?.startedAt ?? ''),
    );

    // For people: in time order, who, what, from → to.
    const text = await cli(['history', '--env', 'ci', '--limit', '2']);
    const lines = text.stdout.trimEnd().split('\n').slice(-2);
    expect(lines[0]).toMatch(
      new RegExp(`${OPERATOR}\\s+rollback\\s+green → blue\\s+${running.blue}\\s+succeeded`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`${OPERATOR}\\s+switch\\s+blue → green\\s+${running.green}\\s+succeeded`),
    );
  });

  it('refuses to retire the active colour, or one whose queue holds orders', async () => {
    const active = await cli(['retire', 'green', '--env', 'ci']);
    expect(active.code).toBe(1);
    expect(expectCleanError(active)).toMatch(/green serves production on ci/);

    // blue's processor stopped, an order left on its queue: retiring blue would lose it.
    await cli(['stack', 'down', 'blue', '--env', 'ci']);
    const info = await readStackInfo('ci', 'blue', ROOT);
    const base = appEnvironment('ci');
    const sqs = createSqsClient({
      region: base.AWS_REGION as string,
      endpoint: base.AWS_ENDPOINT_URL_SQS,
      credentials: EMULATOR_CREDENTIALS,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: info?.queueUrl as string,
        MessageBody: '{"left":"behind"}',
      }),
    );
    const queued = await cli(['retire', 'blue', '--env', 'ci']);
    expect(queued.code).toBe(1);
    expect(expectCleanError(queued)).toMatch(/blue on ci still holds 1 queued/);
    expect((await cli(['retire', 'blue', '--env', 'ci', '--force'])).code).toBe(0);
    // Not an order: gone, so later deploys need not wait for it to reach the DLQ.
    await sqs.send(new PurgeQueueCommand({ QueueUrl: info?.queueUrl as string }));
    sqs.destroy();
  });
});
