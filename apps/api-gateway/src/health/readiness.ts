import type { Logger } from '@echobase/infra/logger';

/** Resolves when the dependency is usable; rejects (or hangs) when it is not. */
export type Probe = () => Promise<unknown>;

export interface ReadinessOptions {
  /** A result older than this starts a refresh in the background; it is still answered. */
  refreshAfterMs?: number;
  /** A result older than this is never answered: the request waits for a fresh one. */
  maxAgeMs?: number;
  /** A probe that has not answered in this long is failing. */
  timeoutMs?: number;
}

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, { ok: boolean }>;
}

function reasonOf(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return String(code ?? name ?? 'error');
}

/**
 * Readiness as a cached result: however many ask, the probes run at most once per
 * `refreshAfterMs`, one round at a time. A "ready" answer never waits on a slow probe unless
 * the result it holds is older than `maxAgeMs` (or there is none yet). A probe that fails or
 * does not answer within `timeoutMs` is failing; why goes to the log, once per change, not to
 * the answer.
 */
export function createReadiness(
  probes: Record<string, Probe>,
  logger: Logger,
  options: ReadinessOptions = {},
) {
  const { refreshAfterMs = 1_000, maxAgeMs = 5_000, timeoutMs = 2_000 } = options;
  let last: { result: ReadinessResult; at: number } | undefined;
  let running: Promise<ReadinessResult> | undefined;
  const failing = new Map<string, string>();

  async function passes(name: string, probe: Probe): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(), { code: 'TIMEOUT' })), timeoutMs);
    });
    try {
      await Promise.race([probe(), timeout]);
      if (failing.delete(name)) logger.info({ check: name }, 'readiness check passing again');
      return true;
    } catch (error) {
      const reason = reasonOf(error);
      if (failing.get(name) !== reason)
        logger.warn({ check: name, reason }, 'readiness check failing');
      failing.set(name, reason);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  function refresh(): Promise<ReadinessResult> {
    running ??= (async () => {
      const checks = Object.fromEntries(
        await Promise.all(
          Object.entries(probes).map(async ([name, probe]) => [
            name,
            { ok: await passes(name, probe) },
          ]),
        ),
      ) as ReadinessResult['checks'];
      const result = { ready: Object.values(checks).every((c) => c.ok), checks };
      last = { result, at: Date.now() };
      return result;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    async check(): Promise<ReadinessResult> {
      const age = last ? Date.now() - last.at : Number.POSITIVE_INFINITY;
      if (!last || age > maxAgeMs) return refresh();
      if (age >= refreshAfterMs) {
        // "Not ready" is checked again before it is repeated, so a recovery shows at once.
        if (!last.result.ready) return refresh();
        void refresh();
      }
      return last.result;
    },
  };
}
