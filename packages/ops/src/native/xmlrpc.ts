import { request } from 'node:http';
import { OpsError } from '../errors.js';

/**
 * Just enough XML-RPC to talk to supervisord over its unix socket: the calls send strings,
 * integers and booleans; the answers are Python's xmlrpc.client output (strings, ints,
 * booleans, doubles, arrays, structs, nil), or a fault.
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

const escapeXml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_m, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (e.startsWith('#x') || e.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return named[e.toLowerCase()] ?? '';
  });

function encodeValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new OpsError(`XML-RPC: only integers are sent, not ${value}`);
    return `<value><int>${value}</int></value>`;
  }
  return `<value><string>${escapeXml(value)}</string></value>`;
}

export function encodeCall(method: string, params: (string | number | boolean)[]): string {
  return `<?xml version="1.0"?><methodCall><methodName>${escapeXml(method)}</methodName><params>${params
    .map((p) => `<param>${encodeValue(p)}</param>`)
    .join('')}</params></methodCall>`;
}

/** Tags and the text between them, in order; the XML declaration and whitespace dropped. */
function tokenize(xml: string): string[] {
  const tokens: string[] = [];
  for (const match of xml.replace(/<\?[^>]*\?>/g, '').matchAll(/<[^>]+>|[^<]+/g)) {
    tokens.push(match[0]);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: string[]) {}

  private peek(): string | undefined {
    // Whitespace between tags is layout, except inside <string> and untyped <value>s, which
    // read their text directly.
    while (this.tokens[this.i] !== undefined && /^\s+$/.test(this.tokens[this.i] as string))
      this.i++;
    return this.tokens[this.i];
  }

  expect(tag: string): void {
    const token = this.peek();
    if (token !== tag) throw new OpsError(`XML-RPC: expected ${tag}, found ${token ?? 'the end'}`);
    this.i++;
  }

  at(tag: string): boolean {
    return this.peek() === tag;
  }

  private text(): string {
    const token = this.tokens[this.i];
    if (token === undefined || token.startsWith('<')) return '';
    this.i++;
    return unescapeXml(token);
  }

  value(): RpcValue {
    this.expect('<value>');
    // An untyped value is a string.
    const raw = this.tokens[this.i];
    const layout = raw !== undefined && /^\s+$/.test(raw) && this.tokens[this.i + 1] !== '</value>';
    if (raw !== undefined && !raw.startsWith('<') && !layout) {
      const s = this.text();
      this.expect('</value>');
      return s;
    }
    if (this.at('</value>')) {
      this.i++;
      return '';
    }
    const tag = this.peek() ?? '';
    this.i++;
    let result: RpcValue;
    switch (tag) {
      case '<string>':
        result = this.text();
        this.expect('</string>');
        break;
      case '<string/>':
        result = '';
        break;
      case '<int>':
      case '<i4>':
      case '<i8>':
      case '<double>': {
        const close = `</${tag.slice(1)}`;
        result = Number(this.text());
        this.expect(close);
        break;
      }
      case '<boolean>':
        result = this.text().trim() === '1';
        this.expect('</boolean>');
        break;
      case '<nil/>':
        result = null;
        break;
      case '<array>': {
        const items: RpcValue[] = [];
        this.expect('<data>');
        while (!this.at('</data>')) items.push(this.value());
        this.expect('</data>');
        this.expect('</array>');
        result = items;
        break;
      }
      case '<struct>': {
        const struct: Record<string, RpcValue> = {};
        while (this.at('<member>')) {
          this.expect('<member>');
          this.expect('<name>');
          const name = this.text();
          this.expect('</name>');
          struct[name] = this.value();
          this.expect('</member>');
        }
        this.expect('</struct>');
        result = struct;
        break;
      }
      default:
        throw new OpsError(`XML-RPC: unsupported value ${tag}`);
    }
    this.expect('</value>');
    return result;
  }
}

/** The value of a methodResponse; a fault is thrown as an RpcFault. */
export function decodeResponse(xml: string): RpcValue {
  const p = new Parser(tokenize(xml));
  p.expect('<methodResponse>');
  if (p.at('<fault>')) {
    p.expect('<fault>');
    const fault = p.value() as { faultCode?: number; faultString?: string };
    throw new RpcFault(fault.faultCode ?? 0, fault.faultString ?? 'unknown fault');
  }
  p.expect('<params>');
  p.expect('<param>');
  const value = p.value();
  p.expect('</param>');
  p.expect('</params>');
  p.expect('</methodResponse>');
  return value;
}

/** One call over a unix socket (supervisord's `[unix_http_server]`), path /RPC2. */
export function callUnix(
  socketPath: string,
  method: string,
  params: (string | number | boolean)[] = [],
  timeoutMs = 10_000,
): Promise<RpcValue> {
  const body = encodeCall(method, params);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/RPC2',
        method: 'POST',
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new OpsError(`supervisord answered HTTP ${res.statusCode} to ${method}`));
            return;
          }
          try {
            resolve(decodeResponse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(
        new OpsError(`supervisord did not answer ${method} within ${timeoutMs / 1000} s`),
      ),
    );
    req.on('error', reject);
    req.end(body);
  });
}
