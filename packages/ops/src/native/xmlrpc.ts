import type { IncomingMessage, RequestOptions } from 'node:http';
import xmlrpc from 'xmlrpc';
import { OpsError } from '../errors.js';

/**
 * supervisord's XML-RPC API over its unix socket, through the `xmlrpc` package. Its client
 * hands its options to http.request, so `socketPath` reaches the socket and `signal` bounds the
 * call (checked against supervisord 4.2.5 on Node 20 and 24, ADR 0008).
 *
 * The answers are Python's xmlrpc.client output: strings, ints, booleans, doubles, arrays,
 * structs, nil, or a fault.
 */
export type RpcValue = string | number | boolean | null | RpcValue[] | { [key: string]: RpcValue };

/** A fault supervisord answered, e.g. `BAD_NAME`, `NOT_RUNNING`, `ALREADY_STARTED`. */
export class RpcFault extends Error {
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = 'RpcFault';
  }

  /** supervisord's fault strings start with the fault's name: `NOT_RUNNING: api`. */
  is(name: string): boolean {
    return this.faultString === name || this.faultString.startsWith(`${name}:`);
  }
}

/** What the xmlrpc client calls back with: its own Error, enriched as below. */
interface ClientError extends Error {
  code?: unknown;
  faultCode?: number;
  faultString?: string;
  /** The HTTP answer, when there was one. */
  res?: IncomingMessage;
}

function callError(error: ClientError, method: string, timeoutMs: number): Error {
  if (error.faultString !== undefined) return new RpcFault(error.faultCode ?? 0, error.faultString);
  if (error.name === 'AbortError')
    return new OpsError(`supervisord did not answer ${method} within ${timeoutMs / 1000} s`);
  const status = error.res?.statusCode;
  if (status !== undefined && status !== 200)
    return new OpsError(`supervisord answered HTTP ${status} to ${method}`);
  if (error.res) return new OpsError(`supervisord's answer to ${method}: ${error.message}`);
  // The socket could not be reached (ENOENT, ECONNREFUSED): the error as Node gave it.
  return error;
}

/** One call over a unix socket (supervisord's `[unix_http_server]`), path /RPC2. */
export function callUnix(
  socketPath: string,
  method: string,
  params: (string | number | boolean)[] = [],
  timeoutMs = 10_000,
): Promise<RpcValue> {
  // The package's types list only its own options; the rest go to http.request as they are.
  const options: Pick<RequestOptions, 'socketPath' | 'signal'> & { path: string } = {
    socketPath,
    path: '/RPC2',
    signal: AbortSignal.timeout(timeoutMs),
  };
  const client = xmlrpc.createClient(options);
  return new Promise((resolve, reject) => {
    client.methodCall(method, params, (error, value) => {
      if (error) reject(callError(error as ClientError, method, timeoutMs));
      else resolve(value as RpcValue);
    });
  });
}
