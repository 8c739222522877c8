/**
 * Progress output for long steps: one line per step, with how long it took. Writes to a stream
 * (stderr by default, so that `--json` output on stdout stays machine-readable).
 */
export interface Reporter {
  /** Runs `work`, then prints `subject  what-it-returned (1.2 s)`. */
  step<T>(subject: string, work: () => Promise<T>, describe: (result: T) => string): Promise<T>;
  line(text: string): void;
}

/** Resident memory as people read it: `42 MB`; `-` when unknown. */
export function formatMegabytes(bytes: number | null): string {
  return bytes === null ? '-' : `${Math.round(bytes / 2 ** 20)} MB`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A process's uptime as people read it: `42s`, `3m05s`, `2h07m`, `4d03h`; `-` when not running. */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor((s % 86_400) / 3600))}h`;
}

export function createReporter(out: { write(s: string): unknown } = process.stderr): Reporter {
  return {
    async step(subject, work, describe) {
      const started = performance.now();
      const result = await work();
      out.write(
        `  ${subject.padEnd(10)} ${describe(result)} (${formatSeconds(performance.now() - started)})\n`,
      );
      return result;
    },
    line(text) {
      out.write(`${text}\n`);
    },
  };
}

/** A reporter that prints nothing, for library callers and tests. */
export const silentReporter: Reporter = {
  step: (_subject, work) => work(),
  line: () => {},
};
