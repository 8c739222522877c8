import { randomUUID } from 'node:crypto';
import { echobaseOk } from '@echobase/test-kit/cli';
import { PASSWORD, uniqueEmail } from '@echobase/test-kit/http';
import { expect, type Page } from '@playwright/test';

/** Every test makes its own user (no test depends on another's data), with a valid password. */
export { PASSWORD, uniqueEmail };

/** Registers through the page, as a person does; ends signed in on "Place an order". */
export async function register(page: Page, email = uniqueEmail('e2e')): Promise<string> {
  await page.goto('/register');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/order$/);
  await expect(page.getByRole('heading', { name: 'Place an order' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(email);
  return email;
}

export async function logIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The CSRF token for the page's session, as the app gets it. */
export async function csrfToken(page: Page): Promise<string> {
  const res = await page.request.get('/api/v1/auth/csrf');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

export interface Accepted {
  orderId: string;
  status: string;
}

/** Places an order through the API with the page's session (quick data for list tests). */
export async function orderViaApi(
  page: Page,
  productId: number,
  quantity: number,
  key: string = randomUUID(),
): Promise<Accepted> {
  const res = await page.request.post('/api/v1/orders', {
    headers: { 'x-csrf-token': await csrfToken(page), 'idempotency-key': key },
    data: { productId, quantity },
  });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()) as Accepted;
}

/** The product id of a seeded product, by SKU, from the API. */
export async function productId(page: Page, sku: string): Promise<number> {
  const res = await page.request.get('/api/v1/products?page=1&pageSize=100');
  const { items } = (await res.json()) as { items: { id: number; sku: string }[] };
  const found = items.find((p) => p.sku === sku);
  if (!found) throw new Error(`no product ${sku}`);
  return found.id;
}

/** The echobase CLI, for the blue/green specs (switch, stack up/down): its stdout. */
export function echobase(...args: string[]): Promise<string> {
  return echobaseOk(args, { timeoutMs: 0 });
}
