import { z } from 'zod';

export { keepRunning } from './last-resort.js';

/**
 * Schema pieces every app composes into its own `src/env.ts`. Apps parse their environment once
 * at start with `parseEnv`, which names every bad or missing key in one error.
 */

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const portNumber = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Where the AWS services are: leave both endpoints unset to talk to real AWS. Locally
 * AWS_ENDPOINT_URL is the emulator of Secrets Manager and KMS and AWS_ENDPOINT_URL_SQS (the AWS
 * SDK's own per-service name) the SQS endpoint, when SQS runs apart from them.
 */
export const awsEnv = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ENDPOINT_URL: z.url({ error: 'must be a URL' }).optional(),
  AWS_ENDPOINT_URL_SQS: z.url({ error: 'must be a URL' }).optional(),
});
type AwsEnv = z.output<typeof awsEnv>;

/** The SQS endpoint: its own when set, else the common AWS endpoint (unset: real AWS). */
export function sqsEndpoint(env: AwsEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
}

/** Where the database is, and the name of the secret that holds its user and password. */
export const dbEnv = z.object({
  DB_HOST: z.string().min(1, 'must not be empty'),
  DB_PORT: portNumber,
  DB_NAME: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a plain database name'),
  DB_SECRET_NAME: z.string().min(1, 'must not be empty'),
});

export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Readonly<Record<string, string | undefined>>,
): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  // Name the key and the rule, never the value: a value may be a secret.
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    return issue.code === 'invalid_type' && issue.input === undefined
      ? `${key} is missing`
      : `${key} ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/**
 * The start of every service's main.ts: parse the environment (exit 2 naming every bad key),
 * then run `main` (exit 1 with its one-line reason if it fails to start). Never a stack trace.
 */
export function startService<E>(
  name: string,
  readEnv: () => E,
  main: (env: E) => Promise<void>,
): void {
  let env: E;
  try {
    env = readEnv();
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('\n  ') : String(error);
    process.stderr.write(`${name}: invalid configuration:\n  ${problems}\n`);
    process.exit(2);
  }
  main(env).catch((error: unknown) => {
    process.stderr.write(
      `${name}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
