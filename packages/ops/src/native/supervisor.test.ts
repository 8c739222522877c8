import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ProgramSpec,
  renderEnvironment,
  renderProgram,
  renderSupervisordConf,
  supervisorPaths,
  toProcessInfo,
} from './supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'echobase-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tricky: ProgramSpec = {
  name: 'blue-api',
  command: ['/usr/bin/node', '/rel/a b/main.js', "it's", '100%', '-g', 'daemon off;'],
  directory: '/rel/a b',
  environment: { ORDERS_QUEUE_URL: 'http://127.0.0.1:4567/1/q', PCT: '5%', SPACED: 'a, b' },
  logFile: join(dir, 'api.log'),
  stopSignal: 'QUIT',
  stopWaitSecs: 60,
  priority: 900,
};

/**
 * What supervisord itself reads from a config: its own parser (ServerOptions), run by the
 * Python that runs supervisord (Debian's supervisor package, which install-deps.sh installs).
 */
function supervisorReads(conf: string): Record<string, Record<string, unknown>> {
  const supervisord = execFileSync('sh', ['-c', 'command -v supervisord'], { encoding: 'utf8' });
  const python = readFileSync(supervisord.trim(), 'utf8').split('\n')[0]?.replace(/^#!/, '') ?? '';
  const script = `
import json, shlex, sys
from supervisor.options import ServerOptions
o = ServerOptions()
o.configfile = sys.argv[1]
o.process_config(do_usage=False)
out = {}
for g in o.process_group_configs:
    for p in g.process_configs:
        out[p.name] = {'argv': shlex.split(p.command), 'environment': p.environment,
          'directory': p.directory, 'stopsignal': int(p.stopsignal), 'autostart': p.autostart,
          'autorestart': str(p.autorestart), 'startsecs': p.startsecs,
          'startretries': p.startretries, 'stopwaitsecs': p.stopwaitsecs,
          'priority': p.priority, 'logfile': p.stdout_logfile, 'killasgroup': p.killasgroup}
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(python, ['-c', script, conf], { encoding: 'utf8' }));
}

describe('supervisor config', () => {
  it('renders programs that supervisord reads back exactly, quotes and % included', () => {
    const paths = supervisorPaths('ci', dir);
    mkdirSync(paths.programs, { recursive: true });
    writeFileSync(
      paths.conf,
      renderSupervisordConf('ci', paths, {
        node: '/usr/bin/node',
        script: '/x/listener.js',
        cli: '/x/cli.js',
      }),
    );
    writeFileSync(join(paths.programs, 'blue-api.conf'), renderProgram(tricky));
    const read = supervisorReads(paths.conf);
    expect(read['blue-api']).toEqual({
      argv: tricky.command,
      environment: tricky.environment,
      directory: '/rel/a b',
      stopsignal: 3,
      // Started by the CLI in order, never by supervisord itself; restarted after any exit.
      autostart: false,
      autorestart: "<class 'supervisor.datatypes.RestartUnconditionally'>",
      startsecs: 5,
      startretries: 5,
      stopwaitsecs: 60,
      priority: 900,
      logfile: join(dir, 'api.log'),
      killasgroup: true,
    });
    // The listener: counts restarts, retries after FATAL, re-seeds moto after it restarted.
    expect(read['echobase-events']).toMatchObject({
      argv: [
        '/usr/bin/node',
        '/x/listener.js',
        paths.restarts,
        paths.events,
        'aws',
        '/usr/bin/node',
        '/x/cli.js',
        'durable',
        'setup',
        'ci',
      ],
      autostart: true,
      priority: 1,
    });
  });

  it('keeps the socket private and points supervisorctl at it', () => {
    const paths = supervisorPaths('devlocal', dir);
    const conf = renderSupervisordConf('devlocal', paths, { node: '/n', script: '/s', cli: '/c' });
    expect(conf).toContain(`file=${paths.socket}\nchmod=0700`);
    expect(conf).toContain(`serverurl=unix://${paths.socket}`);
    expect(conf).toContain('identifier=echobase-devlocal');
    expect(paths.dir).toBe(join(dir, '.echobase', 'devlocal', 'supervisor'));
  });

  it('runs a program at its nice value, ahead of others only when it may (root)', () => {
    const ahead = { ...tricky, command: ['/usr/bin/java', '-jar', 'x.jar'], niceness: -10 };
    expect(renderProgram(ahead, true)).toContain('command=nice -n -10 /usr/bin/java -jar x.jar\n');
    expect(renderProgram(ahead, false)).toContain('command=/usr/bin/java -jar x.jar\n');
    expect(renderProgram({ ...ahead, niceness: 5 }, false)).toContain('command=nice -n 5 /usr');
    expect(renderProgram({ ...ahead, niceness: undefined }, true)).toContain('command=/usr/bin/');
  });

  it('refuses what it cannot write safely', () => {
    expect(() => renderEnvironment({ A: 'say "hi"' })).toThrow(/double quote/);
    expect(() => renderEnvironment({ 'BAD-NAME': 'x' })).toThrow(/bad environment variable/);
    expect(() => renderProgram({ ...tricky, command: ['a\nb'] })).toThrow(/line break/);
    expect(() => renderProgram({ ...tricky, name: 'Blue api' })).toThrow(/bad program name/);
  });

  it('reads a process as status needs it: pid and uptime only while it runs', () => {
    const raw = { name: 'aws', statename: 'RUNNING', pid: 42, start: 1000, now: 1065 };
    expect(toProcessInfo(raw)).toMatchObject({ state: 'RUNNING', pid: 42, uptimeSeconds: 65 });
    expect(toProcessInfo({ ...raw, statename: 'BACKOFF', pid: 0 })).toMatchObject({
      state: 'BACKOFF',
      pid: null,
      uptimeSeconds: null,
    });
    expect(toProcessInfo({ ...raw, statename: 'EXITED' })).toMatchObject({ pid: null });
  });
});
