import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stackPaths } from '../colour-stack.js';
import { OpsError } from '../errors.js';
import { lineFilter, logLineFormatter } from '../log-format.js';
import { follow, type LogRequest, type LogSource } from '../logs.js';
import { envPaths } from '../paths.js';
import type { DurableService, EnvName } from '../plan.js';

/** The log files a source writes natively: one per supervised program. */
function logFiles(env: EnvName, root: string, source: LogSource): string[] {
  if (source.kind === 'colour')
    return source.services.map((s) => stackPaths(env, source.colour, root).log(s));
  const p = envPaths(env, root);
  // nginx: its requests and its errors, as its container's log holds both in docker.
  const files: Record<DurableService, string[]> = {
    mariadb: [p.mariadb.log],
    aws: [p.aws.log],
    sqs: [p.sqs.log],
    nginx: [join(p.nginx.logs, 'access.log'), join(p.nginx.logs, 'error.log')],
    prometheus: [p.prometheus.log],
    jaeger: [p.jaeger.log],
  };
  return source.services.flatMap((s) => files[s]);
}

/**
 * The last lines of each file, then with --follow `tail -F` of them all. A file's name heads
 * its lines only for people reading several at once: JSON lines stay JSON lines (`| jq`).
 */
export async function nativeLogs(request: LogRequest): Promise<void> {
  const { env, root, source, out, format } = request;
  const present = logFiles(env, root, source).filter((f) => existsSync(f));
  if (present.length === 0) {
    const what = source.kind === 'colour' ? source.colour : 'durable';
    const only = source.services.length === 1 ? ` ${source.services[0]}` : '';
    throw new OpsError(`no logs yet for ${what}${only} on ${env}`);
  }
  const headed = present.length > 1 && format === 'pretty';
  if (!request.follow) {
    const formatted = logLineFormatter(format);
    const wanted = lineFilter(request.traceId);
    for (const f of present) {
      const all = (await readFile(f, 'utf8')).trimEnd().split('\n');
      const lines = request.traceId ? all.filter(wanted) : all.slice(-request.lines);
      if (lines.length === 0) continue;
      if (headed) out.write(`==> ${f} <==\n`);
      out.write(`${lines.map(formatted).join('\n')}\n`);
    }
    return;
  }
  const quiet = headed ? [] : ['-q'];
  const from = request.traceId ? '+1' : String(request.lines);
  await follow('tail', [...quiet, '-n', from, '-F', ...present], {
    out,
    format,
    traceId: request.traceId,
  });
}
