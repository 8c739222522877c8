import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { logSource } from './logs.js';

describe('logSource', () => {
  it('takes a colour with one of its services, or all of them', () => {
    expect(logSource('blue', 'api')).toEqual({ kind: 'colour', colour: 'blue', services: ['api'] });
    expect(logSource('green')).toEqual({
      kind: 'colour',
      colour: 'green',
      services: ['api', 'processor', 'frontend'],
    });
  });

  it('takes every durable service, the SQS endpoint included', () => {
    expect(logSource('durable', 'sqs')).toEqual({ kind: 'durable', services: ['sqs'] });
    expect(logSource('durable')).toEqual({
      kind: 'durable',
      services: ['mariadb', 'aws', 'sqs', 'nginx', 'prometheus', 'jaeger'],
    });
  });

  it('refuses what it does not know, naming what it takes', () => {
    expect(() => logSource('purple')).toThrow(
      new UsageError("unknown log source 'purple' (expected blue, green or durable)"),
    );
    expect(() => logSource('blue', 'mariadb')).toThrow(
      "unknown service 'mariadb' (expected api, processor, frontend)",
    );
    expect(() => logSource('durable', 'api')).toThrow(
      "unknown durable service 'api' (expected mariadb, aws, sqs, nginx, prometheus, jaeger)",
    );
  });
});
