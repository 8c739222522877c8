/**
 * Progress output for long steps: one line per step, with how long it took. Writes to a stream
 * (stderr by default, so that `--json` output on stdout stays machine-readable).
 */
export interface Reporter {
  /** Runs `work`, then prints `subject  what-it-returned (1.2 s)`. */
  step<T>(subject: string, work: () => Promise<T>, describe: (result: T) => string): Promise<T>;
  line(text: string): void;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
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
