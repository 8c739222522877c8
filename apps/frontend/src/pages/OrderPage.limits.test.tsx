import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../api/client';
import { fakeServer, noSleep, ok, PRODUCTS } from '../test/fake-server';
import { renderPage } from '../test/render';
import { OrderPage, parseQuantity } from './OrderPage';

// Other limits than the real ones: the page must follow the one definition, not a copy of it.
vi.mock('@echobase/infra/order-limits', () => ({
  ORDER_LIMITS: { quantity: { min: 2, max: 250 } },
}));

describe('the quantity limits come from ORDER_LIMITS', () => {
  it('parses quantities within them only', () => {
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('250')).toBe(250);
    expect(parseQuantity('1')).toBeNull();
    expect(parseQuantity('251')).toBeNull();
    expect(parseQuantity('0250')).toBeNull();
  });

  it('says them in the hint, on the input and in the error', async () => {
    const server = fakeServer({
      'GET /api/v1/auth/csrf': ok({ csrfToken: 'c' }),
      'GET /api/v1/products': ok({ items: PRODUCTS, page: 1, pageSize: 100, total: 2 }),
    });
    renderPage(<OrderPage />, createApiClient({ fetch: server.fetch, sleep: noSleep }));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('radio', { name: /Plasma Conduit/ }));
    const quantity = screen.getByLabelText('Quantity');
    expect(screen.getByText('From 2 to 250.')).toBeTruthy();
    expect([quantity.getAttribute('min'), quantity.getAttribute('max')]).toEqual(['2', '250']);
    await user.clear(quantity);
    await user.type(quantity, '1');
    await user.click(screen.getByRole('button', { name: 'Place order' }));
    expect(screen.getByText('Enter a whole number from 2 to 250.')).toBeTruthy();
    expect(server.callsTo('POST /api/v1/orders')).toHaveLength(0);
  });
});
