import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envPaths } from './paths.js';
import { PORT_PLAN } from './plan.js';
import { prometheusConfig, writePrometheusConfig } from './prometheus.js';

interface Config {
  rule_files: string[];
  global: { scrape_interval: string; external_labels: Record<string, string> };
  scrape_configs: {
    job_name: string;
    static_configs: { targets: string[]; labels?: Record<string, string> }[];
  }[];
}

const targets = (config: Config, job: string) =>
  config.scrape_configs
    .find((j) => j.job_name === job)
    ?.static_configs.map((s) => [s.labels?.colour, ...s.targets]);

describe('the Prometheus config', () => {
  it('scrapes both colours on loopback natively, at the ports of the plan', () => {
    const config = parse(prometheusConfig('ci', 'native', '/repo')) as Config;
    const ci = PORT_PLAN.ci;
    expect(targets(config, 'api-gateway')).toEqual([
      ['blue', `127.0.0.1:${ci.colours.blue.api}`],
      ['green', `127.0.0.1:${ci.colours.green.api}`],
    ]);
    expect(targets(config, 'order-processor')).toEqual([
      ['blue', `127.0.0.1:${ci.colours.blue.processorHealth}`],
      ['green', `127.0.0.1:${ci.colours.green.processorHealth}`],
    ]);
    expect(targets(config, 'prometheus')).toEqual([
      [undefined, `127.0.0.1:${ci.durable.prometheus}`],
    ]);
    expect(config.global).toMatchObject({ scrape_interval: '5s', external_labels: { env: 'ci' } });
    expect(config.rule_files).toEqual(['/repo/observability/alerts.yml']);
    expect(targets(config, 'load-balancer')).toEqual([
      [undefined, `127.0.0.1:${ci.durable.lbAdmin}`],
    ]);
  });

  it('scrapes the colour containers by name in docker, on the same ports', () => {
    const config = parse(prometheusConfig('devlocal', 'docker', '/repo')) as Config;
    const dev = PORT_PLAN.devlocal;
    expect(targets(config, 'api-gateway')).toEqual([
      ['blue', `echobase-devlocal-blue-api-gateway:${dev.colours.blue.api}`],
      ['green', `echobase-devlocal-green-api-gateway:${dev.colours.green.api}`],
    ]);
    expect(targets(config, 'order-processor')?.[1]).toEqual([
      'green',
      `echobase-devlocal-green-order-processor:${dev.colours.green.processorHealth}`,
    ]);
    expect(targets(config, 'prometheus')).toEqual([[undefined, 'localhost:9090']]);
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(targets(config, 'load-balancer')).toEqual([
      [undefined, `echobase-devlocal-durable-nginx:${dev.durable.lbAdmin}`],
    ]);
  });

  it('is written once, and again only when it changes', async () => {
    const paths = envPaths('ci', await mkdtemp(join(tmpdir(), 'echobase-prom-')));
    expect(await writePrometheusConfig(paths, 'ci', 'native')).toBe(true);
    expect(await writePrometheusConfig(paths, 'ci', 'native')).toBe(false);
    expect(await readFile(paths.prometheus.config, 'utf8')).toBe(
      prometheusConfig('ci', 'native', paths.root),
    );
    expect(await writePrometheusConfig(paths, 'ci', 'docker')).toBe(true);
  });
});
