import { ORDER_LIMITS } from '@echobase/infra/order-limits';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import {
  type Accepted,
  type ApiError,
  newIdempotencyKey,
  type Order,
  type Product,
} from '../api/client';
import { asApiError, detailsByField } from '../api/messages';
import { useApp } from '../app-context';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusBadge } from '../components/StatusBadge';
import { STATUS_LABEL } from '../lib/format';
import { startPolling } from '../lib/poll';
import { Link } from '../router';
import { PageTitle } from './PageTitle';

const REFERENCE_REUSED =
  'This order’s reference was already used for a different order, so nothing was placed. ' +
  'Check the product and quantity, then place the order again: it gets a new reference.';

const ORDER_MESSAGES = {
  unprocessable: 'That product is no longer available. Please choose another.',
  idempotency_key_reused: REFERENCE_REUSED,
  // What an API from before idempotency_key_reused answers (a colour rolled back to it).
  conflict: REFERENCE_REUSED,
  unavailable:
    'We could not queue your order just now. Trying again is safe: the order is only placed once.',
  network_error:
    'We could not reach the server. Trying again is safe: the order is only placed once.',
};

/** These answers mean the key placed nothing: the next submit starts a new attempt. */
const PLACED_NOTHING = new Set(['idempotency_key_reused', 'conflict', 'unprocessable']);

/** One order attempt: its key is reused by every retry until it succeeds or the order changes. */
interface Attempt {
  key: string;
  productId: number;
  quantity: number;
}

type Products =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; items: Product[] };

const QUANTITY = ORDER_LIMITS.quantity;
const QUANTITY_DIGITS = new RegExp(`^\\d{1,${String(QUANTITY.max).length}}$`);

/** A whole number within ORDER_LIMITS (what the API and the processor accept), else null. */
export function parseQuantity(value: string): number | null {
  const text = value.trim();
  if (!QUANTITY_DIGITS.test(text)) return null;
  const quantity = Number(text);
  return quantity >= QUANTITY.min && quantity <= QUANTITY.max ? quantity : null;
}

export function OrderPage() {
  const { api } = useApp();
  const [products, setProducts] = useState<Products>({ status: 'loading' });
  const [productsTick, setProductsTick] = useState(0);
  const [productId, setProductId] = useState<number | null>(null);
  const [quantity, setQuantity] = useState('1');
  const [fieldErrors, setFieldErrors] = useState<{ productId?: string; quantity?: string }>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [accepted, setAccepted] = useState<Accepted | null>(null);
  const attempt = useRef<Attempt | null>(null);
  const inFlight = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: productsTick is the retry button's way to load again.
  useEffect(() => {
    let cancelled = false;
    setProducts({ status: 'loading' });
    api.products().then(
      (items) => {
        if (!cancelled) setProducts({ status: 'ready', items });
      },
      (caught: unknown) => {
        if (!cancelled) setProducts({ status: 'error', error: asApiError(caught) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, productsTick]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current) return;
    const parsedQuantity = parseQuantity(quantity);
    const errors: typeof fieldErrors = {};
    if (productId === null) errors.productId = 'Choose a product.';
    if (parsedQuantity === null)
      errors.quantity = `Enter a whole number from ${QUANTITY.min} to ${QUANTITY.max}.`;
    setFieldErrors(errors);
    setError(null);
    if (productId === null || parsedQuantity === null) {
      const first = errors.productId
        ? document.querySelector<HTMLInputElement>('input[name="product"]')
        : document.getElementById('order-quantity');
      first?.focus();
      return;
    }

    const previous = attempt.current;
    const current: Attempt =
      previous && previous.productId === productId && previous.quantity === parsedQuantity
        ? previous
        : { key: newIdempotencyKey(), productId, quantity: parsedQuantity };
    attempt.current = current;
    inFlight.current = true;
    setSubmitting(true);
    try {
      const result = await api.placeOrder(
        { productId: current.productId, quantity: current.quantity },
        current.key,
      );
      attempt.current = null;
      setAccepted(result);
    } catch (caught) {
      const apiError = asApiError(caught);
      if (PLACED_NOTHING.has(apiError.code)) attempt.current = null;
      setFieldErrors(detailsByField(apiError, ['productId', 'quantity']).byField);
      setError(apiError);
    } finally {
      inFlight.current = false;
      setSubmitting(false);
    }
  }

  function placeAnother() {
    setAccepted(null);
    setError(null);
    setQuantity('1');
    requestAnimationFrame(() => document.getElementById('page-title')?.focus());
  }

  if (accepted) {
    return (
      <section className="card" aria-labelledby="page-title">
        <PageTitle>Place an order</PageTitle>
        <OrderResult accepted={accepted} />
        <div className="actions">
          <button type="button" className="button" onClick={placeAnother}>
            Place another order
          </button>
          <Link to="/orders" className="button button-secondary">
            See all my orders
          </Link>
        </div>
      </section>
    );
  }

  const other = error ? detailsByField(error, ['productId', 'quantity']).other : [];
  return (
    <section className="card" aria-labelledby="page-title">
      <PageTitle>Place an order</PageTitle>
      {products.status === 'loading' ? (
        <p role="status" className="loading">
          Loading products…
        </p>
      ) : products.status === 'error' ? (
        <ErrorNotice
          error={products.error}
          onRetry={() => setProductsTick((n) => n + 1)}
          retryLabel="Load products again"
        />
      ) : products.items.length === 0 ? (
        <p className="empty">No products are available right now. Please come back later.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <fieldset
            className={`products${fieldErrors.productId ? ' field-invalid' : ''}`}
            aria-describedby="order-product-error"
          >
            <legend>Product</legend>
            <ul className="product-list">
              {products.items.map((product) => (
                <li key={product.id}>
                  <label className="product-option">
                    <input
                      type="radio"
                      name="product"
                      value={product.id}
                      checked={productId === product.id}
                      onChange={() => {
                        setProductId(product.id);
                        setFieldErrors(({ productId: _dropped, ...rest }) => rest);
                      }}
                    />
                    <span className="product-name">{product.name}</span>
                    <span className="product-sku">{product.sku}</span>
                    <span className="product-price">{product.price}</span>
                  </label>
                </li>
              ))}
            </ul>
            <p className="field-error" id="order-product-error">
              {fieldErrors.productId}
            </p>
          </fieldset>
          <div className={`field field-quantity${fieldErrors.quantity ? ' field-invalid' : ''}`}>
            <label htmlFor="order-quantity">Quantity</label>
            <p className="field-hint" id="order-quantity-hint">
              {`From ${QUANTITY.min} to ${QUANTITY.max}.`}
            </p>
            <input
              id="order-quantity"
              name="quantity"
              type="number"
              inputMode="numeric"
              min={QUANTITY.min}
              max={QUANTITY.max}
              step={1}
              required
              value={quantity}
              aria-invalid={fieldErrors.quantity ? true : undefined}
              aria-describedby="order-quantity-hint order-quantity-error"
              onChange={(e) => {
                setQuantity(e.target.value);
                setFieldErrors(({ quantity: _dropped, ...rest }) => rest);
              }}
            />
            <p className="field-error" id="order-quantity-error">
              {fieldErrors.quantity}
            </p>
          </div>
          {error ? <ErrorNotice error={error} overrides={ORDER_MESSAGES} details={other} /> : null}
          <button type="submit" className="button" disabled={submitting}>
            {submitting ? 'Placing order…' : error ? 'Try again' : 'Place order'}
          </button>
          <p className="visually-hidden" role="status">
            {submitting ? 'Placing your order…' : ''}
          </p>
        </form>
      )}
    </section>
  );
}

const MISSING_TRIES = 6;

/** After a 202: the server's own price, quantity and total, and the status as it changes. */
function OrderResult({ accepted }: { accepted: Accepted }) {
  const { api } = useApp();
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const retry = useCallback(() => setTick((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the retry button's way to check again.
  useEffect(() => {
    let missing = 0;
    let lastStatus: Order['status'] | null = null;
    setError(null);
    return startPolling(
      async () => {
        try {
          const found = await api.order(accepted.orderId);
          setOrder(found);
          const progressed = found.status !== lastStatus;
          lastStatus = found.status;
          return { again: found.status === 'queued', progressed };
        } catch (caught) {
          const apiError = asApiError(caught);
          // Accepted through a database outage: the order is recorded a little later.
          if (apiError.code === 'not_found' && ++missing < MISSING_TRIES) return { again: true };
          if (apiError.code !== 'unauthenticated') setError(apiError);
          return { again: false };
        }
      },
      { initialMs: 1000, maxMs: 10_000, factor: 2 },
    );
  }, [api, accepted.orderId, tick]);

  return (
    <section className="result" aria-labelledby="result-title">
      <h2 id="result-title">
        {accepted.replayed ? 'This order was already placed' : 'Order accepted'}
      </h2>
      <p className="order-ref">
        Order reference <code>{accepted.orderId}</code>
      </p>
      {order ? (
        <>
          <dl className="order-details">
            <div>
              <dt>Product</dt>
              <dd>
                {order.productName} <span className="product-sku">{order.productSku}</span>
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={order.status} />
              </dd>
            </div>
          </dl>
          <p className="total-line" data-testid="order-total">
            {order.unitPrice} × {order.quantity} = <strong>{order.total}</strong>
          </p>
        </>
      ) : error ? null : (
        <p className="loading">Getting the total from the server…</p>
      )}
      <p className="visually-hidden" role="status">
        {order ? `Order ${STATUS_LABEL[order.status].toLowerCase()}. Total ${order.total}.` : ''}
      </p>
      {error ? (
        <ErrorNotice error={error} onRetry={retry} retryLabel="Check again">
          <p>Your order was accepted; its details could not be loaded just now.</p>
        </ErrorNotice>
      ) : null}
    </section>
  );
}
