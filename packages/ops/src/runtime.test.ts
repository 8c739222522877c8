import { describe, expect, it } from 'vitest';
import { selectRuntime } from './runtime.js';

describe('runtime selection', () => {
  const engine = (answers: boolean) => async () => answers;

  it('uses docker when an engine answers and native when none does', async () => {
    expect(await selectRuntime(undefined, engine(true))).toBe('docker');
    expect(await selectRuntime(undefined, engine(false))).toBe('native');
  });

  it('lets ECHOBASE_RUNTIME override the probe both ways', async () => {
    expect(await selectRuntime('native', engine(true))).toBe('native');
    expect(await selectRuntime('docker', engine(false))).toBe('docker');
  });

  it('treats an empty override as unset', async () => {
    expect(await selectRuntime('', engine(false))).toBe('native');
  });

  it('rejects an unknown runtime with a usage error', async () => {
    await expect(selectRuntime('podman', engine(true))).rejects.toMatchObject({
      exitCode: 2,
      message: "ECHOBASE_RUNTIME must be docker or native, not 'podman'",
    });
  });
});
