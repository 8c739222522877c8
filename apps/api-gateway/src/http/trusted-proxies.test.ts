import { createLogger } from '@echobase/infra/logger';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTrustedProxies, isTrustedProxyEntry } from './trusted-proxies.js';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('trusted proxy entries', () => {
  it('are IP addresses, CIDR ranges or host names', () => {
    for (const ok of [
      '127.0.0.2',
      '::1',
      '10.0.0.0/8',
      'fd00::/64',
      'nginx',
      'lb.example.com',
      'echobase-ci-durable-nginx',
    ])
      expect(isTrustedProxyEntry(ok), ok).toBe(true);
    for (const bad of [
      '',
      '10.0.0.0/33',
      '::/129',
      '1.2.3.4/x',
      'has space',
      'http://nginx',
      '-nginx',
      'a..b',
    ])
      expect(isTrustedProxyEntry(bad), bad).toBe(false);
  });
});

describe('trusted proxies', () => {
  afterEach(() => vi.useRealTimers());

  it('trust only the connecting hop, and only when it is on the list', () => {
    const proxies = createTrustedProxies(['127.0.0.2', '10.1.0.0/16', 'fd00::7'], { logger });
    expect(proxies.trust('127.0.0.2', 0)).toBe(true);
    expect(proxies.trust('::ffff:127.0.0.2', 0)).toBe(true);
    expect(proxies.trust('10.1.200.3', 0)).toBe(true);
    expect(proxies.trust('fd00::7', 0)).toBe(true);
    // A second hop is never trusted: nginx replaces X-Forwarded-For rather than appending.
    expect(proxies.trust('127.0.0.2', 1)).toBe(false);
    for (const other of ['127.0.0.1', '::1', '10.2.0.1', 'fd00::8', '', 'garbage'])
      expect(proxies.trust(other, 0), other).toBe(false);
  });

  it('trust nothing by default', () => {
    const proxies = createTrustedProxies([], { logger });
    expect(proxies.trust('127.0.0.1', 0)).toBe(false);
  });

  it('resolve host names at start and again on refresh, keeping the last answer while a lookup fails', async () => {
    let answer: string[] | Error = ['172.18.0.5'];
    const lookup = vi.fn(async (_host: string) => {
      if (answer instanceof Error) throw answer;
      return answer;
    });
    const proxies = createTrustedProxies(['nginx', '127.0.0.2'], { logger, lookup });
    expect(proxies.trust('172.18.0.5', 0)).toBe(false);
    await proxies.refresh();
    expect(lookup).toHaveBeenCalledWith('nginx');
    expect(proxies.trust('172.18.0.5', 0)).toBe(true);
    expect(proxies.trust('127.0.0.2', 0)).toBe(true);

    answer = ['172.18.0.9'];
    await proxies.refresh();
    expect(proxies.trust('172.18.0.9', 0)).toBe(true);
    expect(proxies.trust('172.18.0.5', 0)).toBe(false);

    answer = Object.assign(new Error('getaddrinfo EAI_AGAIN nginx'), { code: 'EAI_AGAIN' });
    await proxies.refresh();
    expect(proxies.trust('172.18.0.9', 0)).toBe(true);
  });

  it('refresh periodically once started', async () => {
    vi.useFakeTimers();
    const lookup = vi.fn(async () => ['172.18.0.5']);
    const proxies = createTrustedProxies(['nginx'], { logger, lookup, refreshMs: 1000 });
    await proxies.start();
    expect(lookup).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(lookup).toHaveBeenCalledTimes(4);
    proxies.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(lookup).toHaveBeenCalledTimes(4);
  });

  it('give Express the client address nginx saw, and the socket address for everyone else', () => {
    const proxies = createTrustedProxies(['127.0.0.2'], { logger });
    const app = express();
    app.set('trust proxy', proxies.trust);
    const ipOf = (remoteAddress: string, forwardedFor?: string) => {
      const req = Object.create(app.request, {
        headers: { value: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
        socket: { value: { remoteAddress } },
        app: { value: app },
      }) as express.Request;
      return req.ip;
    };
    expect(ipOf('127.0.0.1', '198.51.100.1')).toBe('127.0.0.1');
    expect(ipOf('127.0.0.2', '198.51.100.1')).toBe('198.51.100.1');
    expect(ipOf('127.0.0.2', '203.0.113.5, 198.51.100.1')).toBe('198.51.100.1');
    expect(ipOf('127.0.0.2')).toBe('127.0.0.2');
  });
});
