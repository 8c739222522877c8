import { describe, expect, it } from 'vitest';
import { routeOf } from './metrics.js';

const req = (originalUrl: string, path?: string) => ({
  originalUrl,
  route: path === undefined ? undefined : { path },
});

describe('routeOf', () => {
  it('names the declared route, whatever the ids and the query', () => {
    expect(routeOf(req('/api/v1/orders/7c9e6679?x=1', '/:id'))).toBe('/api/v1/orders/:id');
    expect(routeOf(req('/api/v1/orders', '/'))).toBe('/api/v1/orders');
    expect(routeOf(req('/api/v1/orders/', '/'))).toBe('/api/v1/orders');
    expect(routeOf(req('/api/v1/auth/login', '/login'))).toBe('/api/v1/auth/login');
    expect(routeOf(req('/metrics', '/metrics'))).toBe('/metrics');
  });

  it('is "unmatched" when no route matched (a 404), so junk paths make no series', () => {
    expect(routeOf(req('/wp-admin/../../etc/passwd'))).toBe('unmatched');
  });
});
