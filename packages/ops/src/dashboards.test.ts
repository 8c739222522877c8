import { describe, expect, it } from 'vitest';
import { panelQueries, readDashboards } from './dashboards.js';
import { repoRoot } from './paths.js';

describe('observability/dashboards', () => {
  it('has the three dashboards, each panel with its own id and the fixed datasource', async () => {
    const dashboards = await readDashboards(repoRoot());
    expect(dashboards.map((d) => d.uid)).toEqual([
      'echobase-blue-green',
      'echobase-durable',
      'echobase-orders',
    ]);
    for (const d of dashboards) {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, d.file).toBe(ids.length);
    }
    // Traffic per colour across a switch, with switches and deploys marked.
    const blueGreen = dashboards.find((d) => d.uid === 'echobase-blue-green');
    expect(blueGreen?.annotations.list.map((a) => a.name)).toEqual(['Switches', 'Deploys']);
    expect(panelQueries(dashboards).length).toBeGreaterThanOrEqual(20);
  });
});
