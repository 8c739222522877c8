#!/usr/bin/env node
// The `echobase` command: a committed shim, so that npm can link it before the first build.
// Run by an older Node than the project's (.node-version), it hands over to the project's own
// Node under .echobase/tools (scripts/lib/echobase.sh installs it), so the CLI and every app it
// starts run on the release the project is tested on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch } from 'node:process';

const root = new URL('../../../', import.meta.url);
const want = readFileSync(new URL('.node-version', root), 'utf8').trim();
if (Number(process.versions.node.split('.')[0]) < Number(want.split('.')[0])) {
  const node = new URL(`.echobase/tools/node-v${want}-linux-${arch}/bin/node`, root);
  if (!existsSync(node)) {
    process.stderr.write(
      `echobase: needs Node ${want.split('.')[0]} or newer (this is ${process.versions.node}); ` +
        'run ./scripts/install-deps.sh, which installs it into .echobase/tools\n',
    );
    process.exit(1);
  }
  const child = spawnSync(node.pathname, process.argv.slice(1), { stdio: 'inherit' });
  if (child.error) {
    process.stderr.write(`echobase: could not start ${node.pathname}: ${child.error.message}\n`);
    process.exit(1);
  }
  process.exit(child.status ?? 1);
}

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'echobase: the CLI is not built yet; run: npx turbo run build --filter=@echobase/ops\n',
  );
  process.exit(1);
}
await import(cli.href);
