import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { createApiClient } from './api/client';
import { fail, fakeServer, noSleep, ok, order, PRODUCTS } from './test/fake-server';

const ME = { user: { id: 7, email: 'ada@example.com' } };

function start(path: string, routes: Parameters<typeof fakeServer>[0]) {
  window.history.replaceState(null, '', path);
  const server = fakeServer({ 'GET /api/v1/auth/csrf': ok({ csrfToken: 'c1' }), ...routes });
  const api = createApiClient({ fetch: server.fetch, sleep: noSleep });
  render(<App api={api} />);
  return { server, user: userEvent.setup() };
}

const here = () => window.location.pathname + window.location.search;
const signedOut = { 'GET /api/v1/auth/me': fail(401, 'unauthenticated', 'log in first') };

describe('App', () => {
  it('sends an unknown page to login, saying it does not exist', async () => {
    start('/no/such/page', signedOut);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That page does not exist');
    expect(here()).toBe('/login');
    expect(await screen.findByRole('heading', { level: 1, name: 'Log in' })).toBeTruthy();
  });

  it('sends an expired session back to login with a clear message', async () => {
    start('/orders', {
      'GET /api/v1/auth/me': ok(ME),
      'GET /api/v1/orders': fail(401, 'unauthenticated', 'your session has expired'),
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Your session has expired — please log in again');
    expect(here()).toBe('/login?next=%2Forders');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Log in' })).toBeTruthy();
    expect(within(nav).queryByRole('button', { name: 'Log out' })).toBeNull();
  });

  it('asks for a login first, then goes to the page that was asked for', async () => {
    const { user, server } = start('/order', {
      ...signedOut,
      'POST /api/v1/auth/login': ok({ ...ME, csrfToken: 'c2' }),
      'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
    });
    await waitFor(() => expect(here()).toBe('/login?next=%2Forder'));
    expect(screen.getByText('Please log in to continue.')).toBeTruthy();

    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse 1');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(here()).toBe('/order'));
    expect(await screen.findByRole('radio', { name: /Plasma Conduit/ })).toBeTruthy();
    expect(server.callsTo('POST /api/v1/auth/login')[0]?.headers['x-csrf-token']).toBe('c1');
  });

  it('says "wrong email or password" in words when login is refused', async () => {
    const { user } = start('/login', {
      ...signedOut,
      'POST /api/v1/auth/login': fail(401, 'unauthenticated', 'wrong email or password'),
    });
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not it');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Wrong email or password.');
    expect(here()).toBe('/login');
  });

  it('logs out with the CSRF token and lands on login', async () => {
    const { user, server } = start('/orders', {
      'GET /api/v1/auth/me': ok(ME),
      'GET /api/v1/orders': ok({
        items: [order({ status: 'completed' })],
        page: 1,
        pageSize: 10,
        total: 1,
      }),
      'POST /api/v1/auth/logout': ok({ csrfToken: 'c3' }),
    });
    await user.click(await screen.findByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(here()).toBe('/login'));
    expect(screen.getByText('You have logged out.')).toBeTruthy();
    expect(server.callsTo('POST /api/v1/auth/logout')[0]?.headers['x-csrf-token']).toBe('c1');
  });

  it('shows the serving colour in the footer from the first API answer', async () => {
    start('/login', signedOut);
    await waitFor(() =>
      expect(screen.getByTestId('served-by').textContent).toBe('Served by blue · build abc123'),
    );
  });
});
