import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cli } from './support.js';

describe('echobase --version', () => {
  it('prints the version and the build id of this checkout, and exits 0', async () => {
    const { version } = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await cli([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(
        new RegExp(
          `^echobase ${version.replaceAll('.', '\\.')} \\(build [0-9a-f]{12}(-dirty-[0-9a-f]{8})?\\)\\n$`,
        ),
      );
    }
    expect((await cli(['--help'])).stdout).toMatch(/-V, --version/);
  });
});
