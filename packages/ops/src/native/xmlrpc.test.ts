import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeCall, RpcFault } from './xmlrpc.js';

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

describe('XML-RPC for supervisord', () => {
  it('encodes a call with strings, integers and booleans, escaping markup', () => {
    expect(encodeCall('supervisor.startProcess', ['a<&>b', 3, false])).toBe(
      '<?xml version="1.0"?><methodCall><methodName>supervisor.startProcess</methodName><params>' +
        '<param><value><string>a&lt;&amp;&gt;b</string></value></param>' +
        '<param><value><int>3</int></value></param>' +
        '<param><value><boolean>0</boolean></value></param></params></methodCall>',
    );
  });

  it('refuses to send a fraction', () => {
    expect(() => encodeCall('x', [1.5])).toThrow(/only integers/);
  });

  it('decodes a struct, with empty strings and entities', () => {
    expect(decodeResponse(PROCESS_INFO)).toEqual({
      name: 'blue-api',
      start: 1796156558,
      statename: 'RUNNING',
      spawnerr: '',
      logfile: '/a & b/<x>.log',
      pid: 19903,
    });
  });

  it('decodes nested arrays, empty ones included (reloadConfig)', () => {
    expect(decodeResponse(RELOAD)).toEqual([[['blue-api'], [], ['green-api']]]);
  });

  it('decodes booleans, doubles, nil and untyped strings', () => {
    const wrap = (v: string) =>
      `<methodResponse><params><param><value>${v}</value></param></params></methodResponse>`;
    expect(decodeResponse(wrap('<boolean>1</boolean>'))).toBe(true);
    expect(decodeResponse(wrap('<double>2.5</double>'))).toBe(2.5);
    expect(decodeResponse(wrap('<nil/>'))).toBeNull();
    expect(decodeResponse(wrap(' plain text '))).toBe(' plain text ');
  });

  it('throws a fault as an RpcFault that knows its name', () => {
    let fault: unknown;
    try {
      decodeResponse(FAULT);
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(RpcFault);
    expect((fault as RpcFault).code).toBe(10);
    expect((fault as RpcFault).is('BAD_NAME')).toBe(true);
    expect((fault as RpcFault).is('BAD')).toBe(false);
  });

  it('refuses what is not a method response', () => {
    expect(() => decodeResponse('<html>oops</html>')).toThrow(/expected <methodResponse>/);
  });
});
