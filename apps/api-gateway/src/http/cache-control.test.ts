import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cacheControl } from './cache-control.js';

let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(cacheControl);
  app.use((_req, res) => {
    res.json({ ok: true });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

it.each([
  ['/api/v1/products', 'no-cache'],
  ['/api/v1/products/', 'no-cache'],
  ['/api/v1/products?page=2', 'no-cache'],
  ['/api/v1/openapi.json', 'no-cache'],
  ['/api/v1/orders', 'no-store'],
  ['/api/v1/auth/me', 'no-store'],
  ['/api/v1/productsx', 'no-store'],
  ['/api/v1/openapi.json.bak', 'no-store'],
  ['/api/v2/products', 'no-store'],
  ['/health/ready', 'no-store'],
  ['/anything', 'no-store'],
])('%s is %s', async (path, expected) => {
  const res = await fetch(`${url}${path}`);
  expect(res.headers.get('cache-control')).toBe(expected);
});
