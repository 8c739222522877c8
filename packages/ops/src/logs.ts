import { spawn } from 'node:child_process';
import { OpsError, UsageError } from './errors.js';
import { copyLogLines, type LogFormat } from './log-format.js';
import {
  type Colour,
  DURABLE_SERVICES,
  type DurableService,
  type EnvName,
  isColour,
} from './plan.js';
import { STACK_SERVICES, type StackService } from './runtime.js';

/** Whose logs: a colour's services, or the durable layer's. */
export type LogSource =
  | { kind: 'colour'; colour: Colour; services: StackService[] }
  | { kind: 'durable'; services: DurableService[] };

export interface LogRequest {
  env: EnvName;
  root: string;
  source: LogSource;
  follow: boolean;
  /** Lines to show first, from the end. */
  lines: number;
  out: NodeJS.WritableStream;
  format: LogFormat;
  /** Only the lines of this trace, from the whole log (`lines` is then not used). */
  traceId?: string | undefined;
}

/** `blue|green|durable [service]` as the logs command takes them, checked in either runtime. */
export function logSource(what: string, service?: string): LogSource {
  if (isColour(what)) {
    if (service !== undefined && !(STACK_SERVICES as readonly string[]).includes(service))
      throw new UsageError(`unknown service '${service}' (expected ${STACK_SERVICES.join(', ')})`);
    return {
      kind: 'colour',
      colour: what,
      services: service ? [service as StackService] : [...STACK_SERVICES],
    };
  }
  if (what === 'durable') {
    if (service !== undefined && !(DURABLE_SERVICES as readonly string[]).includes(service))
      throw new UsageError(
        `unknown durable service '${service}' (expected ${DURABLE_SERVICES.join(', ')})`,
      );
    return {
      kind: 'durable',
      services: service ? [service as DurableService] : [...DURABLE_SERVICES],
    };
  }
  throw new UsageError(`unknown log source '${what}' (expected blue, green or durable)`);
}

/** Runs a log command, its lines formatted onto `out`, until it ends (or Ctrl-C ends it). */
export function follow(
  command: string,
  args: string[],
  to: { out: NodeJS.WritableStream; format: LogFormat; traceId?: string | undefined },
  env: Record<string, string> = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    const copied = copyLogLines(child.stdout, to.out, to);
    let interrupted = false;
    child.on('error', (error) => reject(new OpsError(`${command}: ${error.message}`)));
    // Its own stderr (inherited) has said why; a failure is never a silent success.
    child.on('close', (code, signal) =>
      copied.then(() => {
        if (code === 0 || interrupted) resolve();
        else
          reject(
            new OpsError(
              `${command} ${args.slice(0, 2).join(' ')} failed (${code === null ? signal : `exit ${code}`})`,
            ),
          );
      }, reject),
    );
    process.once('SIGINT', () => {
      interrupted = true;
      child.kill('SIGTERM');
    });
  });
}
