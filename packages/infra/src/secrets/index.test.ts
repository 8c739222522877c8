import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createSecretsReader,
  dbCredentialsSchema,
  isTransient,
  orderSigningSecretSchema,
  SecretError,
} from './index.js';

/** A stand-in for the SDK client at the module edge: answers from a script of outcomes. */
function scriptedClient(outcomes: (string | Error)[]) {
  const calls: unknown[] = [];
  return {
    calls,
    client: {
      async send(command: { input: unknown }) {
        calls.push(command.input);
        const next = outcomes.shift();
        if (next === undefined) throw new Error('no more scripted outcomes');
        if (next instanceof Error) throw next;
        return { SecretString: next };
      },
      destroy() {},
    },
  };
}

function awsError(name: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(name), { name, ...extra });
}

const config = { region: 'us-east-1', minTimeoutMs: 1, retries: 3 };
const login = JSON.stringify({ username: 'app_user', password: 's3cret-value' });

describe('secrets reader', () => {
  it('reads and checks a JSON secret', async () => {
    const { client, calls } = scriptedClient([login]);
    const reader = createSecretsReader(config, client as never);
    expect(await reader.getJson('echobase/ci/db/app', dbCredentialsSchema)).toEqual({
      username: 'app_user',
      password: 's3cret-value',
    });
    expect(calls).toEqual([{ SecretId: 'echobase/ci/db/app' }]);
  });

  it('retries while the endpoint is unreachable, then succeeds', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { client, calls } = scriptedClient([
      refused,
      awsError('InternalFailure', { $metadata: { httpStatusCode: 500 } }),
      login,
    ]);
    const reader = createSecretsReader(config, client as never);
    await expect(reader.getJson('s', dbCredentialsSchema)).resolves.toMatchObject({
      username: 'app_user',
    });
    expect(calls).toHaveLength(3);
  });

  it('gives up after the configured retries with a clear error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { client, calls } = scriptedClient([refused, refused, refused, refused, refused]);
    const reader = createSecretsReader(config, client as never);
    await expect(reader.getJson('s', dbCredentialsSchema)).rejects.toThrow(
      'secret s: endpoint unreachable after retries (ECONNREFUSED)',
    );
    expect(calls).toHaveLength(4);
  });

  it('does not retry a missing secret', async () => {
    const { client, calls } = scriptedClient([
      awsError('ResourceNotFoundException', { $metadata: { httpStatusCode: 400 } }),
    ]);
    const reader = createSecretsReader(config, client as never);
    await expect(reader.getJson('nope', dbCredentialsSchema)).rejects.toThrow(
      'secret nope: could not be read (ResourceNotFoundException)',
    );
    expect(calls).toHaveLength(1);
  });

  it('rejects a secret of the wrong shape without echoing its value', async () => {
    const { client } = scriptedClient([
      JSON.stringify({ user: 'x', password: 'leaky' }),
      'not json leaky',
    ]);
    const reader = createSecretsReader(config, client as never);
    const shapeError = await reader.getJson('s', dbCredentialsSchema).catch((e: Error) => e);
    expect(shapeError).toBeInstanceOf(SecretError);
    expect((shapeError as Error).message).toBe(
      'secret s: does not have the expected shape (check: username)',
    );
    const jsonError = await reader.getJson('s', z.object({})).catch((e: Error) => e);
    expect((jsonError as Error).message).toBe('secret s: is not valid JSON');
    expect(`${(shapeError as Error).message}${(jsonError as Error).message}`).not.toContain(
      'leaky',
    );
  });

  it('reads the order signing secret as the ops tooling writes it, and refuses a weak key', async () => {
    const signingKey = 'k'.repeat(64);
    const { client } = scriptedClient([
      JSON.stringify({ signingKey }),
      JSON.stringify({ signingKey: 'short' }),
    ]);
    const reader = createSecretsReader(config, client as never);
    const name = 'echobase/ci/orders/signing';
    await expect(reader.getJson(name, orderSigningSecretSchema)).resolves.toEqual({ signingKey });
    await expect(reader.getJson(name, orderSigningSecretSchema)).rejects.toThrow(
      'secret echobase/ci/orders/signing: does not have the expected shape (check: signingKey)',
    );
  });

  it('classifies errors', () => {
    expect(isTransient({ code: 'ECONNRESET' })).toBe(true);
    expect(isTransient({ name: 'ThrottlingException' })).toBe(true);
    expect(isTransient({ $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransient({ cause: { code: 'ETIMEDOUT' } })).toBe(true);
    expect(isTransient({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
    expect(isTransient('boom')).toBe(false);
  });
});
