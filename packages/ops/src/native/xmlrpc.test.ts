import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnix, RpcFault } from './xmlrpc.js';

/** Answers as supervisord 4.2.5 (Python's xmlrpc.client) writes them, captured here. */
const PROCESS_INFO = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><struct>
<member>
<name>name</name>
<value><string>blue-api</string></value>
</member>
<member>
<name>start</name>
<value><int>1796156558</int></value>
</member>
<member>
<name>statename</name>
<value><string>RUNNING</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string></string></value>
</member>
<member>
<name>logfile</name>
<value><string>/a &amp; b/&lt;x&gt;.log</string></value>
</member>
<member>
<name>pid</name>
<value><int>19903</int></value>
</member>
</struct></value>
</param>
</params>
</methodResponse>
`;

const RELOAD = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><array><data>
<value><array><data>
<value><string>blue-api</string></value>
</data></array></value>
<value><array><data>
</data></array></value>
<value><array><data>
<value><string>green-api</string></value>
</data></array></value>
</data></array></value>
</data></array></value>
</param>
</params>
</methodResponse>
`;

const FAULT = `<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>10</int></value>
</member>
<member>
<name>faultString</name>
<value><string>BAD_NAME: nope</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
`;

const wrap = (value: string) =>
  `<?xml version='1.0'?><methodResponse><params><param><value>${value}</value></param></params></methodResponse>`;

interface Received {
  method: string;
  path: string;
  body: string;
}

/** A stand-in supervisord on a unix socket of its own: answers `answer` and records the call. */
let dir: string;
let socket: string;
let server: Server;
let answer: { status: number; body: string } | 'never' = { status: 200, body: '' };
let received: Received | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'echobase-xmlrpc-'));
  socket = join(dir, 'supervisor.sock');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received = {
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (answer === 'never') return;
      res.writeHead(answer.status, { 'content-type': 'text/xml' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function answering(status: number, body: string) {
  answer = { status, body };
  received = null;
}

describe('XML-RPC to supervisord over its unix socket', () => {
  it('posts the call to /RPC2 with strings (escaped), integers and booleans', async () => {
    answering(200, wrap('<boolean>1</boolean>'));
    expect(await callUnix(socket, 'supervisor.startProcess', ['a<&>b', 3, false])).toBe(true);
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/RPC2');
    const body = received?.body.replace(/\s+/g, '') ?? '';
    expect(body).toContain('<methodName>supervisor.startProcess</methodName>');
    // Escaped or as CDATA: supervisord reads both (checked: BAD_NAME: a<&>b comes back).
    expect(body).toMatch(
      /<param><value><string>(a&lt;&amp;&gt;b|<!\[CDATA\[a<&>b\]\]>)<\/string><\/value><\/param>/,
    );
    expect(body).toContain('<param><value><int>3</int></value></param>');
    expect(body).toContain('<param><value><boolean>0</boolean></value></param>');
  });

  it('decodes a struct, with empty strings and entities', async () => {
    answering(200, PROCESS_INFO);
    expect(await callUnix(socket, 'supervisor.getProcessInfo', ['blue-api'])).toEqual({
      name: 'blue-api',
      start: 1796156558,
      statename: 'RUNNING',
      spawnerr: '',
      logfile: '/a & b/<x>.log',
      pid: 19903,
    });
  });

  it('decodes nested arrays, empty ones included (reloadConfig)', async () => {
    answering(200, RELOAD);
    expect(await callUnix(socket, 'supervisor.reloadConfig')).toEqual([
      [['blue-api'], [], ['green-api']],
    ]);
  });

  it('decodes doubles, nil and untyped strings', async () => {
    for (const [value, decoded] of [
      ['<double>2.5</double>', 2.5],
      ['<nil/>', null],
      [' plain text ', ' plain text '],
    ] as const) {
      answering(200, wrap(value));
      expect(await callUnix(socket, 'supervisor.x')).toEqual(decoded);
    }
  });

  it('throws a fault as an RpcFault that knows its name', async () => {
    answering(200, FAULT);
    const fault = await callUnix(socket, 'supervisor.getProcessInfo', ['nope']).catch(
      (error: unknown) => error,
    );
    expect(fault).toBeInstanceOf(RpcFault);
    expect((fault as RpcFault).code).toBe(10);
    expect((fault as RpcFault).message).toBe('BAD_NAME: nope');
    expect((fault as RpcFault).is('BAD_NAME')).toBe(true);
    expect((fault as RpcFault).is('BAD')).toBe(false);
  });

  it('names the HTTP status of an answer that is not XML-RPC', async () => {
    answering(500, '<html>oops</html>');
    await expect(callUnix(socket, 'supervisor.getState')).rejects.toThrow(
      'supervisord answered HTTP 500 to supervisor.getState',
    );
  });

  it('gives up on a supervisord that does not answer, naming the call', async () => {
    answer = 'never';
    await expect(callUnix(socket, 'supervisor.getState', [], 300)).rejects.toThrow(
      'supervisord did not answer supervisor.getState within 0.3 s',
    );
  });

  it('passes on why the socket could not be reached', async () => {
    await expect(callUnix(join(dir, 'none.sock'), 'supervisor.getState')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
