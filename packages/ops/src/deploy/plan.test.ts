import { describe, expect, it } from 'vitest';
import { type DeployPlanInput, planDeploy } from './deploy.js';

type Status = DeployPlanInput['statuses']['blue'];
const down: Status = { buildId: null, healthy: false, services: [] };
const up = (buildId: string, healthy = true): Status => ({
  buildId,
  healthy,
  services: [
    { service: 'api', state: 'running', pid: 1, port: 1, healthy, rssBytes: null },
    { service: 'processor', state: 'running', pid: 2, port: 2, healthy, rssBytes: null },
    { service: 'frontend', state: 'running', pid: 3, port: 3, healthy, rssBytes: null },
  ],
});
const plan = (input: Omit<DeployPlanInput, 'env'>) => planDeploy({ env: 'ci', ...input });

describe('planDeploy', () => {
  it('a first deploy goes to blue, moving away from nothing', () => {
    expect(plan({ buildId: 'b1', active: null, statuses: { blue: down, green: down } })).toEqual({
      colour: 'blue',
      previous: null,
      alreadyServes: false,
      stopStale: false,
    });
  });

  it('a new build goes to the idle colour and moves production away from the active one', () => {
    expect(
      plan({ buildId: 'b2', active: 'blue', statuses: { blue: up('b1'), green: down } }),
    ).toEqual({ colour: 'green', previous: 'blue', alreadyServes: false, stopStale: false });
  });

  it('stops the idle colour first when it runs another build (kept warm from before)', () => {
    expect(
      plan({ buildId: 'b3', active: 'blue', statuses: { blue: up('b2'), green: up('b1') } }),
    ).toMatchObject({ colour: 'green', previous: 'blue', stopStale: true });
  });

  it('a re-run after a kill before the switch picks the colour already running this build', () => {
    expect(
      plan({ buildId: 'b2', active: 'blue', statuses: { blue: up('b1'), green: up('b2', false) } }),
    ).toEqual({ colour: 'green', previous: 'blue', alreadyServes: false, stopStale: false });
  });

  it('a re-run after a kill past the switch only has the old colour left to drain and retire', () => {
    expect(
      plan({ buildId: 'b2', active: 'green', statuses: { blue: up('b1'), green: up('b2') } }),
    ).toEqual({ colour: 'green', previous: 'blue', alreadyServes: true, stopStale: false });
    expect(
      plan({ buildId: 'b2', active: 'green', statuses: { blue: down, green: up('b2') } }),
    ).toEqual({ colour: 'green', previous: null, alreadyServes: true, stopStale: false });
  });

  it('refuses to deploy over the colour serving production with another build', () => {
    expect(() =>
      plan({
        buildId: 'b2',
        active: 'blue',
        colour: 'blue',
        statuses: { blue: up('b1'), green: down },
      }),
    ).toThrow('blue serves production on ci with build b1; deploy b2 to green instead');
  });

  it('starts the active colour again when it is down, moving away from nothing', () => {
    expect(
      plan({
        buildId: 'b1',
        active: 'blue',
        colour: 'blue',
        statuses: { blue: down, green: down },
      }),
    ).toEqual({ colour: 'blue', previous: null, alreadyServes: false, stopStale: false });
  });
});
