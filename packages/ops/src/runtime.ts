import { execFile } from 'node:child_process';
import { UsageError } from './errors.js';

export const RUNTIMES = ['docker', 'native'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** True when a Docker engine answers (not merely a docker client on the PATH). */
export function dockerEngineAnswers(timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    execFile(
      'docker',
      ['info', '--format', '{{.ServerVersion}}'],
      { timeout: timeoutMs },
      (error, stdout) => resolveAnswer(!error && stdout.trim().length > 0),
    );
  });
}

/**
 * docker when an engine answers, else native; `ECHOBASE_RUNTIME` overrides either way. The
 * probe is passed in so that this choice is testable without an engine.
 */
export async function selectRuntime(
  override: string | undefined,
  probe: () => Promise<boolean> = dockerEngineAnswers,
): Promise<RuntimeName> {
  if (override !== undefined && override !== '') {
    if ((RUNTIMES as readonly string[]).includes(override)) return override as RuntimeName;
    throw new UsageError(`ECHOBASE_RUNTIME must be docker or native, not '${override}'`);
  }
  return (await probe()) ? 'docker' : 'native';
}
