import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  environmentRuntime,
  forgetRuntime,
  recordedRuntime,
  recordRuntime,
  runtimeRecord,
} from './env-runtime.js';
import { UsageError } from './errors.js';
import { envPaths } from './paths.js';

/** A scratch checkout: nothing here depends on what runs on the machine. */
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'echobase-runtime-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const engine = (answers: boolean) => async () => answers;

describe('the runtime of an environment', () => {
  it('is chosen for a new environment: the override, else docker when an engine answers', async () => {
    expect(await environmentRuntime('ci', { root, override: undefined, probe: engine(true) })).toBe(
      'docker',
    );
    expect(
      await environmentRuntime('ci', { root, override: undefined, probe: engine(false) }),
    ).toBe('native');
    expect(await environmentRuntime('ci', { root, override: 'native', probe: engine(true) })).toBe(
      'native',
    );
  });

  it('stays what was recorded when an engine appears or goes away', async () => {
    await recordRuntime('ci', 'native', root);
    expect(await environmentRuntime('ci', { root, override: undefined, probe: engine(true) })).toBe(
      'native',
    );
    await recordRuntime('devlocal', 'docker', root);
    expect(
      await environmentRuntime('devlocal', { root, override: undefined, probe: engine(false) }),
    ).toBe('docker');
    // Each environment has its own.
    expect(await recordedRuntime('ci', root)).toBe('native');
  });

  it('refuses the other runtime while the environment exists, naming how to move it', async () => {
    await recordRuntime('ci', 'native', root);
    const refusal = await environmentRuntime('ci', { root, override: 'docker' }).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe(
      'ci runs on native (chosen when it was first set up), not docker; to move it, delete it first: ./durable/teardown.sh ci --volumes',
    );
    // Asking for the one it has is fine; a bad name is still a bad name.
    expect(await environmentRuntime('ci', { root, override: 'native' })).toBe('native');
    await expect(environmentRuntime('ci', { root, override: 'podman' })).rejects.toThrow(
      "ECHOBASE_RUNTIME must be docker or native, not 'podman'",
    );
  });

  it('takes an environment set up before runtimes were recorded as native when its data is here', async () => {
    expect(await recordedRuntime('ci', root)).toBeNull();
    mkdirSync(envPaths('ci', root).mariadb.data, { recursive: true });
    expect(await recordedRuntime('ci', root)).toBe('native');
    expect(await environmentRuntime('ci', { root, override: undefined, probe: engine(true) })).toBe(
      'native',
    );
  });

  it('names a record it cannot read, and forgets it with the data', async () => {
    mkdirSync(envPaths('ci', root).state, { recursive: true });
    writeFileSync(runtimeRecord('ci', root), 'kubernetes\n');
    await expect(recordedRuntime('ci', root)).rejects.toThrow(
      `${runtimeRecord('ci', root)} says 'kubernetes', not docker or native`,
    );
    await forgetRuntime('ci', root);
    expect(await recordedRuntime('ci', root)).toBeNull();
  });
});
