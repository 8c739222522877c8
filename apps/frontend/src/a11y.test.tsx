import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { beforeAll, describe, expect, it } from 'vitest';
import indexHtml from '../index.html?raw';
import { App } from './App';
import { createApiClient } from './api/client';
import { fail, fakeServer, noSleep, ok, order, PRODUCTS } from './test/fake-server';

const ME = { user: { id: 7, email: 'ada@example.com' } };
const ROUTES = {
  'GET /api/v1/auth/csrf': ok({ csrfToken: 'c1' }),
  'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
  'GET /api/v1/orders': ok({
    items: [
      order({ orderId: '00000000-0000-5000-8000-000000000001', status: 'completed' }),
      order({ orderId: '00000000-0000-5000-8000-000000000002', status: 'failed' }),
    ],
    page: 1,
    pageSize: 10,
    total: 12,
  }),
};

function start(path: string, signedIn: boolean) {
  window.history.replaceState(null, '', path);
  const server = fakeServer({
    ...ROUTES,
    'GET /api/v1/auth/me': signedIn ? ok(ME) : fail(401, 'unauthenticated', 'log in first'),
  });
  render(<App api={createApiClient({ fetch: server.fetch, sleep: noSleep })} />);
}

/** Serious and critical axe violations (colour contrast needs a real renderer: not in jsdom). */
async function seriousViolations(): Promise<string[]> {
  const results = await axe.run(document, { rules: { 'color-contrast': { enabled: false } } });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

describe('accessibility (axe)', () => {
  beforeAll(() => {
    // The page's language comes from index.html, which jsdom's document does not load.
    document.documentElement.lang = /<html lang="([^"]+)"/.exec(indexHtml)?.[1] ?? '';
  });

  it('login page, with a not-found message', async () => {
    start('/missing', false);
    await screen.findByRole('alert');
    await screen.findByLabelText('Email');
    expect(await seriousViolations()).toEqual([]);
  });

  it('register page, with a mismatched confirmation', async () => {
    start('/register', false);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Password'), 'abc');
    await user.type(screen.getByLabelText('Confirm password'), 'xyz');
    await screen.findByText('Passwords do not match.');
    expect(await seriousViolations()).toEqual([]);
  });

  it('order page, with a field error', async () => {
    start('/order', true);
    const user = userEvent.setup();
    await screen.findByRole('radio', { name: /Plasma Conduit/ });
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    await screen.findByText('Choose a product.');
    expect(await seriousViolations()).toEqual([]);
  });

  it('orders page, with pagination', async () => {
    start('/orders', true);
    await waitFor(() => expect(document.querySelectorAll('tbody tr')).toHaveLength(2));
    expect(await seriousViolations()).toEqual([]);
  });
});
