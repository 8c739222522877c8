import { describe, expect, it } from 'vitest';
import { awsEnv, ConfigError, dbEnv, logEnv, parseEnv, sqsEndpoint } from './index.js';

describe('parseEnv', () => {
  const schema = dbEnv.extend(logEnv.shape);

  it('parses and coerces a good environment, with defaults', () => {
    const env = parseEnv(schema, {
      DB_HOST: '127.0.0.1',
      DB_PORT: '3307',
      DB_NAME: 'orders_db',
      DB_SECRET_NAME: 'echobase/ci/db/app',
    });
    expect(env).toEqual({
      DB_HOST: '127.0.0.1',
      DB_PORT: 3307,
      DB_NAME: 'orders_db',
      DB_SECRET_NAME: 'echobase/ci/db/app',
      LOG_LEVEL: 'info',
    });
  });

  it('names every bad or missing key in one error', () => {
    const error = (() => {
      try {
        parseEnv(schema, { DB_PORT: '70000', DB_NAME: 'orders; DROP', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'DB_HOST is missing',
        'DB_SECRET_NAME is missing',
        'DB_PORT must be between 1 and 65535',
        'DB_NAME must be a plain database name',
      ]),
    );
    expect(error.problems.some((p) => p.startsWith('LOG_LEVEL'))).toBe(true);
  });

  it('never puts a value in the error', () => {
    expect(() =>
      parseEnv(dbEnv, { DB_HOST: 'h', DB_PORT: 'hunter2', DB_NAME: 'x', DB_SECRET_NAME: 's' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('sqsEndpoint', () => {
  const parse = (source: Record<string, string>) => parseEnv(awsEnv, source);

  it('is the SQS endpoint when one is set, else the common AWS endpoint, else none (real AWS)', () => {
    expect(
      sqsEndpoint(
        parse({
          AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
          AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
        }),
      ),
    ).toBe('http://127.0.0.1:9324');
    expect(sqsEndpoint(parse({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }))).toBe(
      'http://127.0.0.1:4566',
    );
    expect(sqsEndpoint(parse({}))).toBeUndefined();
  });

  it('refuses an SQS endpoint that is not a URL, naming the variable', () => {
    expect(() => parse({ AWS_ENDPOINT_URL_SQS: '127.0.0.1 port 9324' })).toThrow(
      /AWS_ENDPOINT_URL_SQS/,
    );
  });
});
