import { describe, expect, it } from 'vitest';
import { allPorts, colourNames, durableNames, ENVIRONMENTS, PORT_PLAN } from './plan.js';

describe('port plan', () => {
  it('gives every port of every environment to exactly one thing', () => {
    const seen = new Map<number, string>();
    for (const env of ENVIRONMENTS) {
      for (const { label, port } of allPorts(env)) {
        expect(seen.get(port), `${env} ${label} reuses port ${port}`).toBeUndefined();
        seen.set(port, `${env} ${label}`);
      }
    }
    // 14 per environment (8 durable, 3 per colour) and devlocal's 3 dev ports
    expect(seen.size).toBe(ENVIRONMENTS.length * 18 + 3);
  });

  it('keeps MariaDB where the design puts it', () => {
    expect(PORT_PLAN.devlocal.durable.mariadb).toBe(3306);
    expect(PORT_PLAN.ci.durable.mariadb).toBe(3307);
  });

  it('uses only unprivileged ports', () => {
    for (const env of ENVIRONMENTS) {
      for (const { port } of allPorts(env)) expect(port).toBeGreaterThan(1024);
    }
  });

  it('names the durable layer and colours by the convention', () => {
    const n = durableNames('ci');
    expect(n.container('mariadb')).toBe('echobase-ci-durable-mariadb');
    expect(n.network).toBe('echobase-ci-durable-network');
    expect(n.volume('mariadb')).toBe('echobase-ci-durable-mariadb-data');
    const green = colourNames('ci', 'green');
    expect(green.composeProject).toBe('echobase-ci-green');
    expect(colourNames('devlocal', 'green').composeProject).toBe('echobase-green');
    expect(green.container('api-gateway')).toBe('echobase-ci-green-api-gateway');
    expect(green.queue).toBe('echobase-ci-green-orders');
    expect(green.deadLetterQueue).toBe('echobase-ci-green-orders-dlq');
  });
});
