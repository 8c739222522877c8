import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PORT_PLAN } from '../plan.js';
import { colourComposeArgs, envFileValues } from './compose.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('envFileValues', () => {
  it("gives the values of the env file a compose command names, so the caller's shell cannot override them", () => {
    const values = envFileValues(colourComposeArgs(root, 'devlocal', 'blue', 'up'));
    expect(values).toMatchObject({
      ECHOBASE_ENV: 'devlocal',
      MARIADB_PORT: String(PORT_PLAN.devlocal.durable.mariadb),
    });
    expect(envFileValues(colourComposeArgs(root, 'ci', 'green', 'ps'))).toMatchObject({
      ECHOBASE_ENV: 'ci',
    });
  });

  it('gives nothing for a command without an env file, or one naming a file that is not there', () => {
    expect(envFileValues(['compose', 'ps'])).toEqual({});
    expect(envFileValues(['compose', '--env-file', '/nowhere/.env.ci', 'ps'])).toEqual({});
  });
});
