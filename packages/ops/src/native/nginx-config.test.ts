import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PORT_PLAN } from '../plan.js';
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
});
