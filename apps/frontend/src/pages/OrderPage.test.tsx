import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { fail, fakeServer, noSleep, ok, order, PRODUCTS } from '../test/fake-server';
import { renderPage } from '../test/render';
import { OrderPage } from './OrderPage';

const PLACED = order({ status: 'completed' });
const BASE = {
  'GET /api/v1/auth/csrf': ok({ csrfToken: 'c' }),
  'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
  [`GET /api/v1/orders/${PLACED.orderId}`]: ok(PLACED),
};

function setup(routes: Parameters<typeof fakeServer>[0] = {}) {
  const server = fakeServer({ ...BASE, ...routes });
  const api = createApiClient({ fetch: server.fetch, sleep: noSleep });
  renderPage(<OrderPage />, api);
  return { server, user: userEvent.setup() };
}

const keysSent = (server: ReturnType<typeof fakeServer>) =>
  server.callsTo('POST /api/v1/orders').map((c) => c.headers['idempotency-key']);

describe('OrderPage', () => {
  it('lists the products with their prices', async () => {
    setup();
    expect(screen.getByRole('status').textContent).toBe('Loading products…');
    const radio = await screen.findByRole('radio', { name: /Plasma Conduit/ });
    expect(radio.closest('label')?.textContent).toContain('89.50');
    expect(screen.getByRole('radio', { name: /Quantum Stabilizer/ })).toBeTruthy();
  });

  it('shows the total the server computed after the order is accepted', async () => {
    const { user, server } = setup({
      'POST /api/v1/orders': { status: 202, body: { orderId: PLACED.orderId, status: 'queued' } },
    });
    await user.click(await screen.findByRole('radio', { name: /Plasma Conduit/ }));
    const quantity = screen.getByLabelText('Quantity');
    await user.clear(quantity);
    await user.type(quantity, '3');
    await user.click(screen.getByRole('button', { name: 'Place order' }));

    expect(await screen.findByRole('heading', { name: 'Order accepted' })).toBeTruthy();
    const total = await screen.findByTestId('order-total');
    expect(total.textContent).toBe('89.50 × 3 = 268.50');
    expect(server.callsTo('POST /api/v1/orders')[0]?.body).toEqual({ productId: 2, quantity: 3 });
    expect(server.callsTo(`GET /api/v1/orders/${PLACED.orderId}`)).toHaveLength(1);
    expect(keysSent(server)[0]).toMatch(/^[A-Za-z0-9_.:-]{8,128}$/);
  });

  it('sends one order for a double click', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = fakeServer({
      ...BASE,
      'POST /api/v1/orders': () => ({
        status: 202,
        body: { orderId: PLACED.orderId, status: 'queued' },
      }),
    });
    const slowFetch: typeof server.fetch = async (input, init) => {
      if (init.method === 'POST') await gate;
      return server.fetch(input, init);
    };
    const api = createApiClient({ fetch: slowFetch, sleep: noSleep });
    renderPage(<OrderPage />, api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('radio', { name: /Quantum Stabilizer/ }));
    const button = screen.getByRole('button', { name: 'Place order' });
    const form = button.closest('form') as HTMLFormElement;
    fireEvent.submit(form);
    fireEvent.submit(form);
    await user.dblClick(button);
    release();
    expect(await screen.findByRole('heading', { name: 'Order accepted' })).toBeTruthy();
    expect(server.callsTo('POST /api/v1/orders')).toHaveLength(1);
  });

  it('reuses the Idempotency-Key when the person retries the same order', async () => {
    const { user, server } = setup({
      'POST /api/v1/orders': [
        'network-error',
        'network-error',
        'network-error',
        { status: 200, body: { orderId: PLACED.orderId, status: 'queued' } },
      ],
    });
    await user.click(await screen.findByRole('radio', { name: /Plasma Conduit/ }));
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Trying again is safe');

    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(
      await screen.findByRole('heading', { name: 'This order was already placed' }),
    ).toBeTruthy();
    const keys = keysSent(server);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
  });

  it('uses a new Idempotency-Key once the order itself changes', async () => {
    const { user, server } = setup({
      'POST /api/v1/orders': [
        fail(503, 'unavailable', 'the order could not be queued'),
        fail(503, 'unavailable', 'the order could not be queued'),
        fail(503, 'unavailable', 'the order could not be queued'),
        { status: 202, body: { orderId: PLACED.orderId, status: 'queued' } },
      ],
    });
    await user.click(await screen.findByRole('radio', { name: /Plasma Conduit/ }));
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    await screen.findByRole('alert');
    const quantity = screen.getByLabelText('Quantity');
    await user.clear(quantity);
    await user.type(quantity, '2');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { name: 'Order accepted' });
    const keys = keysSent(server);
    expect(keys).toHaveLength(4);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it('says so when the server refuses a reused Idempotency-Key, and sends the order again under a new one', async () => {
    const { user, server } = setup({
      'POST /api/v1/orders': [
        fail(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was already used for a different order',
        ),
        { status: 202, body: { orderId: PLACED.orderId, status: 'queued' } },
      ],
    });
    await user.click(await screen.findByRole('radio', { name: /Plasma Conduit/ }));
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      'This order’s reference was already used for a different order, so nothing was placed.',
    );
    expect(alert.textContent).not.toContain('Idempotency-Key');

    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'Order accepted' })).toBeTruthy();
    const keys = keysSent(server);
    expect(keys).toHaveLength(2);
    expect(keys[1]).not.toBe(keys[0]);
    expect(server.callsTo('POST /api/v1/orders')[1]?.body).toEqual({ productId: 2, quantity: 1 });
  });

  it('checks the choice and the quantity before sending anything', async () => {
    const { user, server } = setup();
    await screen.findByRole('radio', { name: /Plasma Conduit/ });
    const quantity = screen.getByLabelText('Quantity');
    await user.clear(quantity);
    await user.type(quantity, '101');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(screen.getByText('Choose a product.')).toBeTruthy();
    const error = screen.getByText('Enter a whole number from 1 to 100.');
    expect(quantity.getAttribute('aria-describedby')?.split(' ')).toContain(error.id);
    expect(server.callsTo('POST /api/v1/orders')).toHaveLength(0);
  });

  it('offers to load the products again when they fail to load', async () => {
    const { user } = setup({
      'GET /api/v1/products': [
        fail(503, 'unavailable', 'the database is unavailable'),
        ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
      ],
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('briefly unavailable');
    expect(alert.textContent).toContain('req-1234');
    await user.click(screen.getByRole('button', { name: 'Load products again' }));
    expect(await screen.findByRole('radio', { name: /Plasma Conduit/ })).toBeTruthy();
  });
});
