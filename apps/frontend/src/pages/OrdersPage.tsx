import { useCallback, useEffect, useState } from 'react';
import type { ApiError, Order, OrderStatus, Page } from '../api/client';
import { asApiError } from '../api/messages';
import { useApp } from '../app-context';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusBadge } from '../components/StatusBadge';
import { formatDateTime, plural, STATUS_LABEL } from '../lib/format';
import { startPolling } from '../lib/poll';
import { Link, useLocation } from '../router';
import { PageTitle } from './PageTitle';

export const ORDERS_PAGE_SIZE = 10;
/** Refresh failures in a row before the page stops polling and offers a button instead. */
const MAX_REFRESH_FAILURES = 5;

type State =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; data: Page<Order>; refreshError: ApiError | null; polling: boolean };

export function pageFromSearch(search: URLSearchParams): number {
  const raw = search.get('page');
  if (raw === null || !/^\d{1,6}$/.test(raw)) return 1;
  return Math.max(1, Number(raw));
}

function describeChanges(changed: Order[]): string {
  return changed
    .map(
      (order) =>
        `Order for ${order.quantity} × ${order.productName} is now ${STATUS_LABEL[order.status].toLowerCase()}.`,
    )
    .join(' ');
}

/**
 * Every order of the signed-in user, newest first, a page at a time. While any order shown is
 * queued the page polls (2 s, growing ×1.5 to 15 s while nothing changes) and stops once none is.
 */
export function OrdersPage() {
  const { api } = useApp();
  const location = useLocation();
  const page = pageFromSearch(location.search);
  const [state, setState] = useState<State>({ status: 'loading' });
  const [announcement, setAnnouncement] = useState('');
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the retry button's way to load again.
  useEffect(() => {
    let previous: Map<string, OrderStatus> | null = null;
    let failures = 0;
    setState({ status: 'loading' });
    setAnnouncement('');
    return startPolling(async () => {
      if (previous && document.visibilityState === 'hidden') return { again: true };
      try {
        const data = await api.orders(page, ORDERS_PAGE_SIZE);
        failures = 0;
        const before = previous;
        const changed = before
          ? data.items.filter((o) => before.has(o.orderId) && before.get(o.orderId) !== o.status)
          : [];
        if (changed.length > 0) setAnnouncement(describeChanges(changed));
        previous = new Map(data.items.map((o) => [o.orderId, o.status]));
        const again = data.items.some((o) => o.status === 'queued');
        setState({ status: 'ready', data, refreshError: null, polling: again });
        return { again, progressed: changed.length > 0 };
      } catch (caught) {
        const error = asApiError(caught);
        if (previous === null) {
          setState({ status: 'error', error });
          return { again: false };
        }
        // A 401 sends the person to the login page; nothing more to poll for.
        if (error.code === 'unauthenticated') return { again: false };
        failures += 1;
        const again = failures < MAX_REFRESH_FAILURES;
        setState((s) => (s.status === 'ready' ? { ...s, refreshError: error, polling: again } : s));
        return { again };
      }
    });
  }, [api, page, tick]);

  return (
    <section className="card wide" aria-labelledby="page-title">
      <PageTitle>My orders</PageTitle>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {state.status === 'loading' ? (
        <p role="status" className="loading">
          Loading your orders…
        </p>
      ) : state.status === 'error' ? (
        <ErrorNotice error={state.error} onRetry={reload} retryLabel="Load orders again" />
      ) : (
        <OrdersView
          data={state.data}
          refreshError={state.refreshError}
          polling={state.polling}
          onReload={reload}
        />
      )}
    </section>
  );
}

function OrdersView({
  data,
  refreshError,
  polling,
  onReload,
}: {
  data: Page<Order>;
  refreshError: ApiError | null;
  polling: boolean;
  onReload: () => void;
}) {
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  if (data.total === 0) {
    return (
      <div className="empty">
        <p>You have not placed any orders yet.</p>
        <p>
          <Link to="/order" className="button">
            Place your first order
          </Link>
        </p>
      </div>
    );
  }
  if (data.items.length === 0) {
    return (
      <div className="empty">
        <p>There are no orders on page {data.page}.</p>
        <p>
          <Link to={`/orders?page=${pages}`}>Go to the last page</Link>
        </p>
      </div>
    );
  }
  return (
    <>
      <p className="summary">
        {plural(data.total, 'order')}, newest first.
        {polling ? ' Statuses update by themselves.' : ''}
      </p>
      {refreshError && !polling ? (
        <ErrorNotice error={refreshError} onRetry={onReload} retryLabel="Refresh statuses">
          <p>Status updates are paused.</p>
        </ErrorNotice>
      ) : null}
      <div className="table-wrap">
        <table className="orders-table">
          <caption className="visually-hidden">
            Your orders, newest first, page {data.page} of {pages}
          </caption>
          <thead>
            <tr>
              <th scope="col">Placed</th>
              <th scope="col">Product</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Unit price
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((order) => (
              <tr key={order.orderId} data-order-id={order.orderId}>
                <td data-label="Placed">
                  <time dateTime={order.createdAt}>{formatDateTime(order.createdAt)}</time>
                </td>
                <td data-label="Product">
                  <span className="cell-product">
                    <span className="product-name">{order.productName}</span>{' '}
                    <span className="product-sku">{order.productSku}</span>
                  </span>
                </td>
                <td data-label="Quantity" className="num">
                  {order.quantity}
                </td>
                <td data-label="Unit price" className="num">
                  {order.unitPrice}
                </td>
                <td data-label="Total" className="num">
                  {order.total}
                </td>
                <td data-label="Status">
                  <StatusBadge status={order.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 ? <Pagination page={data.page} pages={pages} /> : null}
    </>
  );
}

function Pagination({ page, pages }: { page: number; pages: number }) {
  return (
    <nav className="pagination" aria-label="Pages of orders">
      {page > 1 ? (
        <Link to={`/orders?page=${page - 1}`} rel="prev" className="button button-secondary">
          Previous page
        </Link>
      ) : (
        <span className="button button-secondary" aria-disabled="true">
          Previous page
        </span>
      )}
      <span className="page-of">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link to={`/orders?page=${page + 1}`} rel="next" className="button button-secondary">
          Next page
        </Link>
      ) : (
        <span className="button button-secondary" aria-disabled="true">
          Next page
        </span>
      )}
    </nav>
  );
}
