import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LB_UPSTREAM_ADDRESS, PORT_PLAN } from '../plan.js';
import { nginxValues } from './nginx.js';
import { renderTemplate } from './nginx-config.js';

describe('nginx config template', () => {
  it('fills placeholders and leaves nginx variables alone', () => {
    expect(renderTemplate('listen ${PORT}; set $x $host;', { PORT: 80 })).toBe(
      'listen 80; set $x $host;',
    );
  });

  it('refuses a placeholder without a value', () => {
    expect(() => renderTemplate('listen ${PORT} ${BIND};', { PORT: 80 })).toThrow(
      /no value for: BIND/,
    );
  });

  it('renders the shipped template from the port plan with nothing left over', async () => {
    const template = await readFile(
      new URL('../../../../nginx/echobase.conf.template', import.meta.url),
      'utf8',
    );
    const conf = renderTemplate(template, nginxValues(PORT_PLAN.ci.durable, '/state/nginx'));
    expect(conf).not.toMatch(/\$\{[A-Z]/);
    expect(conf).toContain('listen 127.0.0.1:8180;');
    expect(conf).toContain('listen 127.0.0.1:8189;');
    expect(conf).toContain('pid /state/nginx/logs/nginx.pid;');
  });

  it('points each colour at its plan ports on loopback, and the switch at the prefix', async () => {
    const template = await readFile(
      new URL('../../../../nginx/echobase.conf.template', import.meta.url),
      'utf8',
    );
    const conf = renderTemplate(template, nginxValues(PORT_PLAN.ci.durable, '/state/nginx'));
    const { blue, green } = PORT_PLAN.ci.colours;
    expect(conf).toContain(`api = '127.0.0.1:${blue.api}'`);
    expect(conf).toContain(`frontend = '127.0.0.1:${blue.frontend}'`);
    expect(conf).toContain(`api = '127.0.0.1:${green.api}'`);
    expect(conf).toContain(`frontend = '127.0.0.1:${green.frontend}'`);
    expect(conf).toContain("state_dir = '/state/nginx/state'");
    expect(conf).toContain("lua_package_path '/state/nginx/lua/?.lua;;';");
    expect(conf).toContain('lua_shared_dict echobase 1m;');
    // The devlocal plan gives devlocal's colours.
    const devlocal = renderTemplate(template, nginxValues(PORT_PLAN.devlocal.durable, '/d'));
    expect(devlocal).toContain(`api = '127.0.0.1:${PORT_PLAN.devlocal.colours.blue.api}'`);
  });

  it('overwrites the client address headers, and connects to the apps from the address they trust', async () => {
    const template = await readFile(
      new URL('../../../../nginx/echobase.conf.template', import.meta.url),
      'utf8',
    );
    expect(template).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(template).toMatch(/proxy_set_header X-Real-IP \$remote_addr;/);
    expect(template).not.toMatch(/proxy_add_x_forwarded_for/);
    const conf = renderTemplate(template, nginxValues(PORT_PLAN.ci.durable, '/state/nginx'));
    expect(conf).toContain(`proxy_bind ${LB_UPSTREAM_ADDRESS};`);
  });

  it('reads the admin token from a file in the prefix, never from the config', async () => {
    const template = await readFile(
      new URL('../../../../nginx/echobase.conf.template', import.meta.url),
      'utf8',
    );
    const conf = renderTemplate(template, nginxValues(PORT_PLAN.ci.durable, '/state/nginx'));
    expect(conf).toContain("admin_token_file = '/state/nginx/conf/admin-token'");
  });
});
