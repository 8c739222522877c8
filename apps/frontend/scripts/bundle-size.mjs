// Prints the gzipped size of the JavaScript a first visit loads (the module scripts and
// modulepreloads that dist/index.html references) and fails the build at the budget or above.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 100 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const refs = new Set();
for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
  const isModuleScript = tag.startsWith('<script') && /\btype="module"/.test(tag);
  const isPreload = tag.startsWith('<link') && /\brel="modulepreload"/.test(tag);
  if (!isModuleScript && !isPreload) continue;
  const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
  if (url?.endsWith('.js') && url.startsWith('/')) refs.add(url);
}
if (refs.size === 0) {
  process.stderr.write('bundle-size: no initial JavaScript found in dist/index.html\n');
  process.exit(1);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
let total = 0;
for (const url of refs) {
  const source = readFileSync(join(dist, url.slice(1)));
  const gzipped = gzipSync(source).length;
  total += gzipped;
  process.stdout.write(`  ${url}  ${kb(source.length)} raw, ${kb(gzipped)} gzip\n`);
}
process.stdout.write(
  `initial JavaScript: ${kb(total)} gzip (budget ${kb(BUDGET_BYTES)}, ${refs.size} file${refs.size === 1 ? '' : 's'})\n`,
);
if (total >= BUDGET_BYTES) {
  process.stderr.write(
    `bundle-size: initial JavaScript is over budget by ${kb(total - BUDGET_BYTES + 1)}\n`,
  );
  process.exit(1);
}
