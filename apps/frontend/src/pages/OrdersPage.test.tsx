import { act, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClient, type Order } from '../api/client';
import { fail, fakeServer, noSleep, ok, order } from '../test/fake-server';
import { renderPage } from '../test/render';
import { ORDERS_PAGE_SIZE, OrdersPage } from './OrdersPage';

const A = order({ orderId: '00000000-0000-5000-8000-00000000000a', productName: 'Laptop' });
const B = order({ orderId: '00000000-0000-5000-8000-00000000000b', status: 'completed' });

const page = (items: Order[], extra: { page?: number; total?: number } = {}) =>
  ok({
    items,
    page: extra.page ?? 1,
    pageSize: ORDERS_PAGE_SIZE,
    total: extra.total ?? items.length,
  });

function setup(answers: Parameters<typeof fakeServer>[0][string]) {
  const server = fakeServer({ 'GET /api/v1/orders': answers });
  const api = createApiClient({ fetch: server.fetch, sleep: noSleep });
  renderPage(<OrdersPage />, api);
  return { server, listCalls: () => server.callsTo('GET /api/v1/orders').length };
}

/** Lets the fake clock run and React settle. */
async function elapse(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

function statusOf(orderId: string): string | null {
  return (
    document.querySelector(`tr[data-order-id="${orderId}"] [data-status]`)?.textContent ?? null
  );
}

describe('OrdersPage', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    window.history.replaceState(null, '', '/orders');
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('updates a queued order by itself and stops polling once none is queued', async () => {
    const { listCalls } = setup([
      page([A, B]),
      page([A, B]),
      page([{ ...A, status: 'completed' }, B]),
    ]);
    await elapse(0);
    expect(statusOf(A.orderId)).toBe('Queued');
    expect(screen.getByText(/Statuses update by themselves/)).toBeTruthy();
    expect(listCalls()).toBe(1);

    await elapse(2000);
    expect(listCalls()).toBe(2);
    expect(statusOf(A.orderId)).toBe('Queued');

    await elapse(3000); // backed off: 2 s × 1.5
    expect(listCalls()).toBe(3);
    expect(statusOf(A.orderId)).toBe('Completed');
    expect(screen.getByText('Order for 3 × Laptop is now completed.')).toBeTruthy();

    await elapse(120_000);
    expect(listCalls()).toBe(3);
  });

  it('does not poll at all when every order is done', async () => {
    const { listCalls } = setup(page([B, { ...A, status: 'failed' }]));
    await elapse(0);
    expect(statusOf(A.orderId)).toBe('Failed');
    await elapse(60_000);
    expect(listCalls()).toBe(1);
  });

  it('asks the API for the page in the address, newest first as the API sends them', async () => {
    window.history.replaceState(null, '', '/orders?page=2');
    const { server } = setup(page([B], { page: 2, total: 11 }));
    await elapse(0);
    expect(server.calls[0]?.url).toBe(`/api/v1/orders?page=2&pageSize=${ORDERS_PAGE_SIZE}`);
    const nav = screen.getByRole('navigation', { name: 'Pages of orders' });
    expect(nav.textContent).toContain('Page 2 of 2');
    expect(within(nav).getByRole('link', { name: 'Previous page' }).getAttribute('href')).toBe(
      '/orders?page=1',
    );
    expect(screen.getByText('11 orders, newest first.')).toBeTruthy();
  });

  it('says so when there are no orders yet', async () => {
    setup(page([]));
    await elapse(0);
    expect(screen.getByText('You have not placed any orders yet.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Place your first order' })).toBeTruthy();
  });

  it('shows a friendly error with the request id and loads again on request', async () => {
    const { listCalls } = setup([
      fail(500, 'internal', 'something went wrong; the request id says where'),
      page([B]),
    ]);
    await elapse(0);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Something went wrong on our side.');
    expect(alert.textContent).not.toContain('the request id says where');
    expect(alert.textContent).toContain('req-1234');
    await act(async () => {
      within(alert).getByRole('button', { name: 'Load orders again' }).click();
    });
    await elapse(0);
    expect(listCalls()).toBe(2);
    expect(statusOf(B.orderId)).toBe('Completed');
  });

  it('backs off on refresh errors and pauses after several in a row', async () => {
    const { listCalls } = setup([page([A]), fail(503, 'unavailable', 'try again')]);
    await elapse(0);
    // 2 + 3 + 4.5 + 6.75 + 10.125 s: five failures, then no more.
    await elapse(2000 + 3000 + 4500 + 6750 + 10_125);
    expect(listCalls()).toBe(6);
    expect(screen.getByText('Status updates are paused.')).toBeTruthy();
    await elapse(120_000);
    expect(listCalls()).toBe(6);
    expect(statusOf(A.orderId)).toBe('Queued');
  });
});
