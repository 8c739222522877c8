import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';

export interface SecretsConfig {
  region: string;
  /** Set for an emulator (moto, LocalStack); leave unset for real AWS. */
  endpoint?: string | undefined;
  credentials?: SecretsManagerClientConfig['credentials'];
  /** Retries after the first attempt for errors that may pass (network, throttling, 5xx). */
  retries?: number;
  minTimeoutMs?: number;
}

/** The shape of the secret the apps read their database login from. */
export const dbCredentialsSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});
export type DbCredentials = z.infer<typeof dbCredentialsSchema>;

/** The shape of the secret holding the JWT signing key, shared by every colour. */
export const jwtSecretSchema = z.object({
  signingKey: z.string().min(32),
});
export type JwtSecret = z.infer<typeof jwtSecretSchema>;

const orderSigningKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{64,}$/, 'must be base64url of at least 48 random bytes');

/**
 * The secret `echobase/<env>/orders/signing`: the HMAC key that signs order messages (see
 * @echobase/infra/queue's signing). `previousSigningKey` is set only during a rotation, so that
 * messages signed before it still verify.
 */
export const orderSigningSecretSchema = z.object({
  signingKey: orderSigningKey,
  previousSigningKey: orderSigningKey.optional(),
});
export type OrderSigningSecret = z.infer<typeof orderSigningSecretSchema>;

export class SecretError extends Error {
  readonly secretName: string;

  constructor(secretName: string, message: string, options?: ErrorOptions) {
    super(`secret ${secretName}: ${message}`, options);
    this.name = 'SecretError';
    this.secretName = secretName;
  }
}

export interface SecretsReader {
  /** Reads a JSON secret and checks it against `schema`; the value never appears in errors. */
  getJson<T>(name: string, schema: z.ZodType<T>): Promise<T>;
  close(): void;
}

type SendOnly = Pick<SecretsManagerClient, 'send' | 'destroy'>;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** True for failures worth another attempt: the endpoint is starting, busy or briefly away. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    code?: string;
    name?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.$retryable) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'ThrottlingException' || e.name === 'TimeoutError') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return e.cause !== undefined && isTransient(e.cause);
}

export function createSecretsReader(config: SecretsConfig, client?: SendOnly): SecretsReader {
  const sm =
    client ??
    new SecretsManagerClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      // Retries are ours, below, so that they are bounded and classified in one place.
      maxAttempts: 1,
    });

  async function getString(name: string): Promise<string> {
    return pRetry(
      async () => {
        try {
          const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
          if (out.SecretString === undefined) throw new SecretError(name, 'holds no string value');
          return out.SecretString;
        } catch (error) {
          if (error instanceof SecretError) throw new AbortError(error);
          if (isTransient(error)) throw error;
          const reason = (error as { name?: string }).name ?? 'unknown error';
          throw new AbortError(
            new SecretError(name, `could not be read (${reason})`, { cause: error }),
          );
        }
      },
      { retries: config.retries ?? 5, minTimeout: config.minTimeoutMs ?? 200, factor: 2 },
    ).catch((error: unknown) => {
      if (error instanceof SecretError) throw error;
      const reason = (error as { code?: string; name?: string }).code ?? (error as Error).name;
      throw new SecretError(name, `endpoint unreachable after retries (${reason})`, {
        cause: error,
      });
    });
  }

  return {
    async getJson(name, schema) {
      const raw = await getString(name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new SecretError(name, 'is not valid JSON');
      }
      const result = schema.safeParse(parsed);
      if (!result.success) {
        const keys = result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
        throw new SecretError(name, `does not have the expected shape (check: ${keys})`);
      }
      return result.data;
    },
    close() {
      sm.destroy();
    },
  };
}
