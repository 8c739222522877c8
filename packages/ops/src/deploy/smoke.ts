import { randomUUID } from 'node:crypto';
import { OpsError } from '../errors.js';
import type { Colour } from '../plan.js';

/**
 * Smoke tests of a colour before it gets traffic, through the load balancer's direct listener
 * for that colour: what it serves is exactly what production will serve after the switch.
 * The last one places a real order and waits for the processor to complete it.
 */
export interface SmokeResult {
  check: string;
  ok: boolean;
  detail: string;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json().catch(() => ({}))) as Record<string, unknown>;
}

export async function smokeTest(
  baseUrl: string,
  colour: Colour,
  buildId: string,
): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  const check = async (name: string, work: () => Promise<string>) => {
    try {
      results.push({ check: name, ok: true, detail: await work() });
    } catch (error) {
      results.push({ check: name, ok: false, detail: (error as Error).message });
      throw new OpsError(`smoke test "${name}" failed on ${colour}: ${(error as Error).message}`);
    }
  };
  const expect = (condition: boolean, message: string) => {
    if (!condition) throw new Error(message);
  };

  await check('readiness', async () => {
    const res = await fetch(`${baseUrl}/health/ready`);
    const body = await json(res);
    expect(res.status === 200, `health/ready answered ${res.status}`);
    expect(
      body.colour === colour && body.buildId === buildId,
      `answered as ${body.colour} ${body.buildId}`,
    );
    return `${colour} ${buildId} ready`;
  });
  await check('catalogue', async () => {
    const res = await fetch(`${baseUrl}/api/v1/products?pageSize=100`);
    const body = await json(res);
    expect(res.status === 200, `products answered ${res.status}`);
    expect(Number(body.total) > 0, 'the catalogue is empty');
    return `${body.total} products`;
  });
  await check('frontend', async () => {
    const res = await fetch(`${baseUrl}/`);
    const html = await res.text();
    expect(res.status === 200 && html.includes('id="root"'), `index.html answered ${res.status}`);
    return 'index.html served';
  });
  // Longer than the queue's visibility timeout (30 s): a message once taken by a poll that was
  // then abandoned comes back after it, and a slow start is not a broken build.
  await check('order', async () => {
    const cookies = new Map<string, string>();
    const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        ...init,
        headers: { ...(init.headers as object), cookie: cookie() },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return { status: res.status, body: await json(res) };
    };
    const csrf = await call('/auth/csrf');
    const reg = await call('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': String(csrf.body.csrfToken) },
      body: JSON.stringify({
        email: `smoke-${randomUUID()}@echobase.invalid`,
        password: `smoke ${randomUUID()} 1`,
      }),
    });
    expect(reg.status === 201, `register answered ${reg.status}`);
    const placed = await call('/orders', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': String(reg.body.csrfToken),
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ productId: 1, quantity: 1 }),
    });
    expect(placed.status === 202, `POST /orders answered ${placed.status}`);
    const deadline = Date.now() + 40_000;
    for (;;) {
      const order = await call(`/orders/${placed.body.orderId}`);
      if (order.body.status === 'completed') return `order ${placed.body.orderId} completed`;
      if (Date.now() > deadline)
        throw new Error(
          `order ${placed.body.orderId} still ${order.body.status ?? order.status} after 40 s`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  return results;
}
