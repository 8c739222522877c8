import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The dashboards in observability/dashboards (Grafana's JSON model, its datasource fixed to the
 * uid `prometheus`): read and checked here so a test can run every panel's query against the
 * environment's Prometheus, in either runtime, where no Grafana runs (ADR 0011).
 */
export const DATASOURCE_UID = 'prometheus';

const datasource = z.object({ type: z.literal('prometheus'), uid: z.literal(DATASOURCE_UID) });
const dashboard = z.object({
  uid: z.string().startsWith('echobase-'),
  title: z.string().min(1),
  annotations: z.object({
    list: z.array(z.object({ name: z.string(), datasource, expr: z.string().min(1) })),
  }),
  panels: z
    .array(
      z.object({
        id: z.number().int(),
        title: z.string().min(1),
        datasource,
        targets: z
          .array(z.object({ refId: z.string(), datasource, expr: z.string().min(1) }))
          .min(1),
      }),
    )
    .min(1),
});
export type Dashboard = z.infer<typeof dashboard>;

export function dashboardsDir(root: string): string {
  return join(root, 'observability', 'dashboards');
}

/** Every dashboard, checked; a file that is not one fails with its name and the fault. */
export async function readDashboards(root: string): Promise<(Dashboard & { file: string })[]> {
  const dir = dashboardsDir(root);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const parsed = dashboard.safeParse(JSON.parse(await readFile(join(dir, file), 'utf8')));
      if (!parsed.success)
        throw new Error(`${file} is not a dashboard of this project: ${parsed.error.message}`);
      return { ...parsed.data, file };
    }),
  );
}

/** Each panel's queries, named for a failure message: `orders.json › Dead-letter queue › A`. */
export function panelQueries(dashboards: readonly (Dashboard & { file: string })[]) {
  return dashboards.flatMap((d) =>
    d.panels.flatMap((p) =>
      p.targets.map((t) => ({ name: `${d.file} › ${p.title} › ${t.refId}`, expr: t.expr })),
    ),
  );
}
