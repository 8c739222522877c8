import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCleanError, ROOT, run } from './support.js';

describe('durable/setup.sh and durable/teardown.sh', () => {
  it('print usage and exit 2 on bad arguments', async () => {
    const cases: [string, string[], RegExp][] = [
      ['durable/setup.sh', [], /^usage: \.\/durable\/setup\.sh <devlocal\|ci>$/],
      ['durable/setup.sh', ['ci', 'devlocal'], /^usage:/],
      ['durable/setup.sh', ['--help'], /^usage:/],
      [
        'durable/teardown.sh',
        [],
        /^usage: \.\/durable\/teardown\.sh <devlocal\|ci> \[--volumes\]$/,
      ],
      ['durable/teardown.sh', ['ci', '--force'], /unknown option '--force'/],
      ['durable/teardown.sh', ['ci', 'devlocal'], /^usage:/],
    ];
    for (const [script, args, message] of cases) {
      const result = await run(`./${script}`, args);
      expect(result.code, `${script} ${args.join(' ')}`).toBe(2);
      expect(expectCleanError(result)).toMatch(message);
    }
  });

  it('pass the environment to the CLI, which rejects an unknown one', async () => {
    const result = await run('./durable/setup.sh', ['production'], {
      env: { ECHOBASE_RUNTIME: 'native' },
    });
    expect(result.code).toBe(2);
    expect(expectCleanError(result)).toBe(
      "echobase: unknown environment 'production' (expected devlocal or ci)",
    );
  });

  it('pass shellcheck, as every script in the repo must', async () => {
    const files = (
      await run('git', [
        'ls-files',
        '--cached',
        '--others',
        '--exclude-standard',
        '*.sh',
        '.ci/run',
      ])
    ).stdout
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'durable/setup.sh',
        'durable/teardown.sh',
        'scripts/install-deps.sh',
      ]),
    );
    const result = await run('shellcheck', ['-x', '-S', 'warning', ...files]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('ship alert rules Prometheus accepts, each firing on its own test series (promtool)', async () => {
    const check = await run('promtool', ['check', 'rules', 'observability/alerts.yml']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: 4 rules found/);
    // observability/alerts.test.yml: every alert fires for the right colour, and only then.
    const test = await run('promtool', ['test', 'rules', 'observability/alerts.test.yml']);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/SUCCESS/);
    const tested = [
      ...(await readFile(join(ROOT, 'observability/alerts.test.yml'), 'utf8')).matchAll(
        /alertname: (\w+)/g,
      ),
    ];
    expect(new Set(tested.map((m) => m[1]))).toEqual(
      new Set([
        'EchobaseDeadLetters',
        'EchobaseErrorRate',
        'EchobaseProcessorNotConsuming',
        'EchobaseProcessorDown',
      ]),
    );
  });
});
