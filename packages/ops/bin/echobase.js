#!/usr/bin/env node
// The `echobase` command: a committed shim, so that npm can link it before the first build.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'echobase: the CLI is not built yet; run: npx turbo run build --filter=@echobase/ops\n',
  );
  process.exit(1);
}
await import(cli.href);
