import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../env/index.js';

/** Where benchmarks keep their figures, committed beside the code that measured them. */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/**
 * Writes a benchmark's figures to bench/results/<name>.json, with when and on what machine they
 * were measured; returns the file's path.
 */
export async function writeResults(
  name: string,
  results: Record<string, unknown>,
): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const full = {
    benchmark: name,
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...results,
  };
  await writeFile(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}
