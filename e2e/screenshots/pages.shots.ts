import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { orderViaApi, PASSWORD, productId, register } from '../support/app.js';

const DIR = fileURLToPath(new URL('./', import.meta.url));

/** Login, register, place order (with its result) and my orders, full page. */
test('the four main pages', async ({ page }, info) => {
  const shot = (name: string) =>
    page.screenshot({ path: `${DIR}${name}-${info.project.name}.png`, fullPage: true });

  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await shot('login');

  await page.goto('/register');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD.slice(0, 9));
  await expect(page.locator('[data-rule="letter"]')).toHaveAttribute('data-met', 'true');
  await shot('register');

  await register(page);
  for (const [sku, quantity] of [
    ['QS-001', 1],
    ['HP-101', 2],
    ['MN-404', 1],
  ] as const) {
    await orderViaApi(page, await productId(page, sku), quantity);
  }
  await page.getByRole('link', { name: 'Place order' }).click();
  await page.getByRole('radio', { name: /Neural Interface Module/ }).check();
  await page.getByLabel('Quantity').fill('2');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByTestId('order-total')).toHaveText('599.00 × 2 = 1198.00');
  await expect(page.locator('.result [data-status]')).toHaveAttribute('data-status', 'completed', {
    timeout: 30_000,
  });
  await shot('order');

  await page.getByRole('link', { name: 'See all my orders' }).click();
  await expect(page.locator('tbody tr')).toHaveCount(4);
  await expect(page.locator('tbody [data-status="completed"]')).toHaveCount(4, { timeout: 30_000 });
  await shot('orders');
});
