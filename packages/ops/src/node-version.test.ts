import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The `echobase` shim on a Node older than the project's: it hands over to the project's own
 * Node under .echobase/tools, or names the script that installs it. A copy of the shim in a
 * scratch checkout whose .node-version asks for a release no one runs (99) plays that case.
 */
const SHIM = new URL('../bin/echobase.js', import.meta.url).pathname;
const runShim = promisify(execFile);
let root: string;

function checkout(): string {
  root = mkdtempSync(join(tmpdir(), 'echobase-shim-'));
  mkdirSync(join(root, 'packages/ops/bin'), { recursive: true });
  copyFileSync(SHIM, join(root, 'packages/ops/bin/echobase.js'));
  writeFileSync(join(root, '.node-version'), '99.1.2\n');
  return join(root, 'packages/ops/bin/echobase.js');
}
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the echobase shim on an older Node', () => {
  it('refuses with the script that installs the project Node, exit 1', async () => {
    const shim = checkout();
    const failure = await runShim(process.execPath, [shim, 'status']).catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr).toBe(
      `echobase: needs Node 99 or newer (this is ${process.versions.node}); run ./scripts/install-deps.sh, which installs it into .echobase/tools\n`,
    );
  });

  it('hands the command line to the project Node and exits with its code', async () => {
    const shim = checkout();
    const bin = join(root, `.echobase/tools/node-v99.1.2-linux-${process.arch}/bin`);
    mkdirSync(bin, { recursive: true });
    // A stand-in for the project's Node: says what it was asked to run, then fails with 3.
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "ran: $*"\nexit 3\n');
    chmodSync(join(bin, 'node'), 0o755);
    const failure = await runShim(process.execPath, [shim, 'deploy', '--env', 'ci']).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure).toMatchObject({ code: 3, stdout: `ran: ${shim} deploy --env ci\n` });
  });
});
