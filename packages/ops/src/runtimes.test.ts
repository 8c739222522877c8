import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerRuntime } from './docker/runtime.js';
import { recordRuntime } from './env-runtime.js';
import { nativeRuntime } from './native/runtime.js';
import { runtimeOf } from './runtimes.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'echobase-runtimes-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runtimeOf', () => {
  it("hands out the implementation of the environment's recorded runtime", async () => {
    await recordRuntime('ci', 'native', root);
    const runtime = await runtimeOf('ci', { root, override: undefined });
    expect(runtime).toBe(nativeRuntime);
    expect(runtime.name).toBe('native');
  });

  it('a new environment gets the runtime asked for', async () => {
    await expect(runtimeOf('devlocal', { root, override: 'native' })).resolves.toBe(nativeRuntime);
  });

  it('refuses the other runtime for an existing environment, naming teardown', async () => {
    await recordRuntime('ci', 'native', root);
    await expect(runtimeOf('ci', { root, override: 'docker' })).rejects.toThrow(
      /^ci runs on native \(chosen when it was first set up\), not docker; .*teardown\.sh ci --volumes$/,
    );
  });

  it('both runtimes implement every operation', () => {
    for (const runtime of [nativeRuntime, dockerRuntime]) {
      expect(Object.keys(runtime.durable).sort()).toEqual(['setup', 'status', 'teardown']);
      expect(Object.keys(runtime.stack).sort()).toEqual(['down', 'ownRelease', 'status', 'up']);
      for (const op of [...Object.values(runtime.durable), ...Object.values(runtime.stack)])
        expect(op).toBeTypeOf('function');
    }
  });
});
