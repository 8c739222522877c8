import { expect, test } from '@playwright/test';
import { csrfToken, orderViaApi, productId, register } from '../support/app.js';
import { PRODUCTION } from '../support/env.js';

/** The seeded catalogue (packages/infra/migrations/0002): name, price, SKU. */
const CATALOGUE = [
  ['Quantum Stabilizer', '249.99', 'QS-001'],
  ['Plasma Conduit', '89.50', 'PC-042'],
  ['Neural Interface Module', '599.00', 'NIM-007'],
  ['Gravity Dampener', '175.25', 'GD-113'],
  ['Chrono Sync Unit', '324.75', 'CSU-088'],
  ['Headphones', '79.99', 'HP-101'],
  ['Keyboard', '49.99', 'KB-202'],
  ['Laptop', '999.99', 'LT-303'],
  ['Monitor', '349.99', 'MN-404'],
  ['Mouse', '29.99', 'MS-505'],
  ['Webcam', '59.99', 'WC-606'],
] as const;

test.describe('orders', () => {
  test('the order page lists every product with its price', async ({ page }) => {
    await register(page);
    await page.getByRole('link', { name: 'Place order' }).click();
    const options = page.locator('.product-option');
    await expect(options).toHaveCount(CATALOGUE.length);
    for (const [name, price, sku] of CATALOGUE) {
      const option = options.filter({ hasText: sku });
      await expect(option).toContainText(name);
      await expect(option).toContainText(price);
    }
  });

  test('placing an order shows the total the server computed, then completes by itself', async ({
    page,
  }) => {
    await register(page);
    await page.getByRole('link', { name: 'Place order' }).click();
    await page.getByRole('radio', { name: /Keyboard/ }).check();
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByRole('heading', { name: 'Order accepted' })).toBeVisible();
    await expect(page.getByTestId('order-total')).toHaveText('49.99 × 3 = 149.97');
    // Queued → completed as the processor writes it, without a reload.
    await expect(page.locator('.result [data-status]')).toHaveAttribute(
      'data-status',
      'completed',
      { timeout: 30_000 },
    );
  });

  test('my orders shows the new order and its status changes from queued to completed without a reload', async ({
    page,
  }) => {
    await register(page);
    const id = await productId(page, 'MN-404');
    const { orderId } = await orderViaApi(page, id, 2);
    await page.goto('/orders');
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    await expect(row).toContainText('Monitor');
    await expect(row.locator('td[data-label="Total"]')).toHaveText('699.98');
    let navigations = 0;
    page.on('framenavigated', () => {
      navigations += 1;
    });
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'completed', {
      timeout: 30_000,
    });
    expect(navigations).toBe(0);
  });

  test('a double click on Place order makes one order', async ({ page }) => {
    await register(page);
    await page.getByRole('link', { name: 'Place order' }).click();
    await page.getByRole('radio', { name: /Mouse/ }).check();
    await page.getByLabel('Quantity').fill('1');
    await page.getByRole('button', { name: 'Place order' }).dblclick();
    await expect(
      page.getByRole('heading', { name: /Order accepted|already placed/ }),
    ).toBeVisible();
    const res = await page.request.get('/api/v1/orders?page=1&pageSize=100');
    const { total } = (await res.json()) as { total: number };
    expect(total).toBe(1);
  });

  test('the same Idempotency-Key twice is one order, the second answer a replay', async ({
    page,
  }) => {
    await register(page);
    const id = await productId(page, 'WC-606');
    const first = await orderViaApi(page, id, 1, 'e2e-same-key-0001');
    const again = await page.request.post('/api/v1/orders', {
      headers: {
        'x-csrf-token': await csrfToken(page),
        'idempotency-key': 'e2e-same-key-0001',
      },
      data: { productId: id, quantity: 1 },
    });
    expect(again.status()).toBe(200);
    expect(again.headers()['idempotent-replayed']).toBe('true');
    expect(((await again.json()) as { orderId: string }).orderId).toBe(first.orderId);
    await page.goto('/orders');
    await expect(page.getByText('1 order, newest first.')).toBeVisible();
  });

  test('my orders is paginated, newest first', async ({ page }) => {
    await register(page);
    const id = await productId(page, 'HP-101');
    const ids: string[] = [];
    for (let quantity = 1; quantity <= 12; quantity++) {
      ids.push((await orderViaApi(page, id, quantity)).orderId);
    }
    await page.goto('/orders');
    await expect(page.locator('.page-of')).toHaveText('Page 1 of 2');
    await expect(page.locator('tbody tr')).toHaveCount(10);
    // Newest first: the last order placed heads page 1.
    await expect(page.locator('tbody tr').first()).toHaveAttribute(
      'data-order-id',
      ids.at(-1) as string,
    );
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/\/orders\?page=2$/);
    await expect(page.locator('.page-of')).toHaveText('Page 2 of 2');
    await expect(page.locator('tbody tr')).toHaveCount(2);
    await expect(page.locator('tbody tr').last()).toHaveAttribute(
      'data-order-id',
      ids[0] as string,
    );
    await page.getByRole('link', { name: 'Previous page' }).click();
    await expect(page.locator('.page-of')).toHaveText('Page 1 of 2');
  });

  test("another user's orders are invisible, in the list and by id", async ({
    page: alice,
    browser,
  }) => {
    await register(alice);
    const { orderId } = await orderViaApi(alice, await productId(alice, 'LT-303'), 1);

    const other = await browser.newContext({ baseURL: PRODUCTION });
    const bob = await other.newPage();
    await register(bob);
    await bob.getByRole('link', { name: 'My orders' }).click();
    await expect(bob.getByText('You have not placed any orders yet.')).toBeVisible();
    const byId = await bob.request.get(`/api/v1/orders/${orderId}`);
    expect(byId.status()).toBe(404);
    const mine = await alice.request.get(`/api/v1/orders/${orderId}`);
    expect(mine.status()).toBe(200);
    await other.close();
  });

  test('a quantity outside 1–100 is explained and nothing is sent', async ({ page }) => {
    await register(page);
    await page.getByRole('link', { name: 'Place order' }).click();
    await page.getByRole('radio', { name: /Laptop/ }).check();
    let posted = 0;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/api/v1/orders')) posted += 1;
    });
    for (const bad of ['0', '101']) {
      await page.getByLabel('Quantity').fill(bad);
      await page.getByRole('button', { name: 'Place order' }).click();
      await expect(page.locator('#order-quantity-error')).not.toBeEmpty();
      await expect(page.getByLabel('Quantity')).toHaveAttribute('aria-invalid', 'true');
    }
    expect(posted).toBe(0);
  });
});
