import { expect, type Page, test } from '@playwright/test';
import { echobase, orderViaApi, productId, register } from '../support/app.js';
import { ENV, GREEN_DIRECT } from '../support/env.js';

/**
 * Production moves between colours under a signed-in person. Blue is started beside green with
 * the same build for these specs and stopped after them; production is back on green at the end.
 */
test.describe.configure({ mode: 'serial' });

let build = '';

test.beforeAll(async () => {
  build = (
    JSON.parse(await echobase('stack', 'status', 'green', '--env', ENV, '--json')) as {
      buildId: string;
    }
  ).buildId;
  const blue = JSON.parse(await echobase('stack', 'status', 'blue', '--env', ENV, '--json')) as {
    buildId: string | null;
  };
  if (blue.buildId !== null && blue.buildId !== build)
    await echobase('stack', 'down', 'blue', '--env', ENV);
  await echobase('stack', 'up', 'blue', '--env', ENV, '--build', build);
});

test.beforeEach(async () => {
  await echobase('switch', 'green', '--env', ENV);
});

test.afterAll(async () => {
  await echobase('switch', 'green', '--env', ENV);
  await echobase('stack', 'down', 'blue', '--env', ENV);
});

const footer = (page: Page) => page.getByTestId('served-by');

test.describe('blue/green', () => {
  test('the footer names the colour and build that served the page', async ({ page }) => {
    await page.goto('/login');
    await expect(footer(page)).toHaveText(`Served by green · build ${build}`);
    await expect(footer(page)).toHaveAttribute('data-colour', 'green');
  });

  test("green's direct listener serves green whatever production does", async ({ page }) => {
    await echobase('switch', 'blue', '--env', ENV);
    const production = await page.request.get('/api/v1/products');
    expect(production.headers()['x-echobase-colour']).toBe('blue');
    const direct = await page.request.get(`${GREEN_DIRECT}/api/v1/products`);
    expect(direct.status()).toBe(200);
    expect(direct.headers()['x-echobase-colour']).toBe('green');
    await page.goto(`${GREEN_DIRECT}/login`);
    await expect(footer(page)).toHaveAttribute('data-colour', 'green');
  });

  test('after a switch the footer changes colour and the person stays logged in', async ({
    page,
  }) => {
    const email = await register(page);
    await expect(footer(page)).toHaveAttribute('data-colour', 'green');
    await echobase('switch', 'blue', '--env', ENV);
    // The next API call the app makes is answered by blue; no reload, no new login.
    await page.getByRole('link', { name: 'My orders' }).click();
    await expect(page.getByRole('heading', { name: 'My orders' })).toBeVisible();
    await expect(page.getByText('You have not placed any orders yet.')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(email);
    await expect(footer(page)).toHaveText(`Served by blue · build ${build}`);
  });

  test('an order placed before a switch and one placed after both complete', async ({ page }) => {
    await register(page);
    const id = await productId(page, 'CSU-088');
    const before = await orderViaApi(page, id, 1);
    await echobase('switch', 'blue', '--env', ENV);
    const after = await orderViaApi(page, id, 2);
    await page.goto('/orders');
    for (const { orderId } of [before, after]) {
      await expect(page.locator(`tr[data-order-id="${orderId}"] [data-status]`)).toHaveAttribute(
        'data-status',
        'completed',
        { timeout: 30_000 },
      );
    }
    await expect(page.locator(`tr[data-order-id="${after.orderId}"]`)).toContainText('649.50');
  });
});
