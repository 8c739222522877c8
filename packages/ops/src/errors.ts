/**
 * The CLI's one error type. Its message is the one line a user sees; `exitCode` is 2 for bad
 * usage and 1 for everything else. Anything that is not an OpsError is a bug and is reported as
 * such, still as one line (the stack goes to ECHOBASE_DEBUG=1 only).
 */
export class OpsError extends Error {
  readonly exitCode: number;

  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'OpsError';
    this.exitCode = options?.exitCode ?? 1;
  }
}

export class UsageError extends OpsError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
