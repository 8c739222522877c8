import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueuePair } from '@echobase/infra/queue';
import { appEnvironment, createReporter, setupDurable } from '@echobase/ops';
import { createQueues, deleteQueues } from '@echobase/test-kit/queue';

/**
 * Benchmarks run against the native ci durable layer, set up here if it is not running; the
 * helpers they share with the tests (pool, queues, signer, sessions, built apps, the results
 * file) are in @echobase/test-kit.
 */
export const settings = appEnvironment('ci', { operator: true });
// The SDK clients here and the apps started from here read these (emulator credentials, endpoint).
Object.assign(process.env, settings);

export async function ensureDurable(): Promise<void> {
  await setupDurable({ env: 'ci', runtime: 'native', report: createReporter(process.stderr) });
}

/** A fresh queue pair with the stack's visibility timeout, and a way to remove it. */
export async function freshQueues(
  sqs: SQSClient,
  label: string,
): Promise<QueuePair & { remove(): Promise<void> }> {
  const pair = await createQueues(sqs, {
    label: `bench-${label}`,
    visibilityTimeoutSeconds: 30,
  });
  return { ...pair, remove: () => deleteQueues(sqs, pair) };
}

export function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}
