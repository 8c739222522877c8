import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COLOURS, DEV_PORTS, ENVIRONMENTS, PORT_PLAN } from './plan.js';

/** The README's port table is for people; this keeps it true to the port plan. */
async function readmePortTable(): Promise<Map<string, string[]>> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.split('## Ports')[1]?.split('\n## ')[0] ?? '';
  const rows = section
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| what') && !line.startsWith('| ---'),
    );
  return new Map(
    rows.map((row) => {
      const cells = row
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean);
      return [cells[0] ?? '', cells.slice(1)];
    }),
  );
}

describe('README port table', () => {
  it('lists every durable and colour port exactly as the plan has them', async () => {
    const table = await readmePortTable();
    const expected = new Map<string, string[]>([
      ['MariaDB (`orders_db`)', ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.mariadb))],
      [
        'AWS endpoint (Secrets Manager, KMS)',
        ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.aws)),
      ],
      ['SQS endpoint (ElasticMQ)', ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.sqs))],
      [
        'load balancer: production',
        ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.lbProduction)),
      ],
      [
        'load balancer: straight to blue',
        ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.lbBlue)),
      ],
      [
        'load balancer: straight to green',
        ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.lbGreen)),
      ],
      [
        'load balancer: admin (loopback only)',
        ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.lbAdmin)),
      ],
      ['Prometheus', ENVIRONMENTS.map((e) => String(PORT_PLAN[e].durable.prometheus))],
      [
        'Jaeger: query API and UI / OTLP in',
        ENVIRONMENTS.map((e) => `${PORT_PLAN[e].durable.jaeger} / ${PORT_PLAN[e].durable.otlp}`),
      ],
      [
        'Jaeger: query gRPC / health (native only)',
        ENVIRONMENTS.map(
          (e) => `${PORT_PLAN[e].durable.jaegerGrpc} / ${PORT_PLAN[e].durable.jaegerHealth}`,
        ),
      ],
      ...COLOURS.map(
        (colour) =>
          [
            `${colour}: API / processor health / frontend`,
            ENVIRONMENTS.map((e) => {
              const p = PORT_PLAN[e].colours[colour];
              return `${p.api} / ${p.processorHealth} / ${p.frontend}`;
            }),
          ] as [string, string[]],
      ),
      [
        '`npm run dev`: API / processor health / frontend',
        [`${DEV_PORTS.api} / ${DEV_PORTS.processorHealth} / ${DEV_PORTS.frontend}`, '-'],
      ],
    ]);
    expect(table).toEqual(expected);
  });
});
