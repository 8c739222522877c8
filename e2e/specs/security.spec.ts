import { expect, test } from '@playwright/test';
import { csrfToken, orderViaApi, productId, register, uniqueEmail } from '../support/app.js';
import { PRODUCTION } from '../support/env.js';

test.describe('security', () => {
  test('a state change without the CSRF token is refused and changes nothing', async ({ page }) => {
    await register(page);
    const id = await productId(page, 'KB-202');
    const res = await page.request.post('/api/v1/orders', {
      headers: { 'idempotency-key': 'e2e-no-csrf-token-01' },
      data: { productId: id, quantity: 1 },
    });
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    const wrong = await page.request.post('/api/v1/orders', {
      headers: { 'idempotency-key': 'e2e-no-csrf-token-02', 'x-csrf-token': 'forged' },
      data: { productId: id, quantity: 1 },
    });
    expect(wrong.status()).toBe(403);
    const list = await page.request.get('/api/v1/orders');
    expect(((await list.json()) as { total: number }).total).toBe(0);
  });

  test('XSS payloads typed into the forms are shown as text, never run', async ({ page }) => {
    let dialogs = 0;
    page.on('dialog', async (dialog) => {
      dialogs += 1;
      await dialog.dismiss();
    });
    const payload = '<img src=x onerror="window.__xss=1;alert(1)">';
    await page.goto('/login');
    await page.getByLabel('Email').fill(`${payload}@example.com`);
    await page.getByLabel('Password').fill(`${payload}1234`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    await page.goto(`/register?next=${encodeURIComponent('javascript:alert(1)')}`);
    await page.getByLabel('Email').fill(`<script>window.__xss=1</script>@example.com`);
    await page.getByLabel('Email').blur();
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toBe(0);
  });

  test('SQL payloads are refused or treated as plain data', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill("' OR '1'='1' -- @example.com");
    await page.getByLabel('Password').fill("' OR '1'='1' --");
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);

    await register(page);
    const bad = await page.request.get('/api/v1/orders?page=1%3BDROP%20TABLE%20orders');
    expect(bad.status()).toBe(400);
    const byId = await page.request.get("/api/v1/orders/1'%20OR%20'1'='1");
    expect(byId.status()).toBe(400);
    // The tables are all there and the catalogue answers as before.
    const { orderId } = await orderViaApi(page, await productId(page, 'QS-001'), 1);
    const mine = await page.request.get(`/api/v1/orders/${orderId}`);
    expect(mine.status()).toBe(200);
  });

  test('a tampered session cookie is rejected and the person is sent to log in', async ({
    page,
    context,
  }) => {
    await register(page);
    const session = (await context.cookies()).find((c) => c.name === 'echobase_session');
    if (!session) throw new Error('no session cookie');
    const [header, payload, signature] = session.value.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: String(Number(claims.sub) + 1) }),
    ).toString('base64url');
    await context.addCookies([{ ...session, value: `${header}.${forged}.${signature}` }]);
    expect((await page.request.get('/api/v1/auth/me')).status()).toBe(401);
    await page.goto('/orders');
    await expect(page).toHaveURL(/\/login\?next=%2Forders$/);
  });

  test('the session cookie is HttpOnly and SameSite=Strict, out of reach of page scripts', async ({
    page,
    context,
  }) => {
    await register(page);
    const session = (await context.cookies()).find((c) => c.name === 'echobase_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('echobase_session');
  });

  test('pages and API answers carry the security headers', async ({ page }) => {
    const html = await page.request.get('/login');
    expect(html.headers()['x-content-type-options']).toBe('nosniff');
    expect(html.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(html.headers()['x-frame-options']).toBe('DENY');
    const api = await page.request.get('/api/v1/products');
    expect(api.headers()['x-content-type-options']).toBe('nosniff');
    expect(api.headers()['content-security-policy']).toBeDefined();
    expect(api.headers()['strict-transport-security']).toBeDefined();
    // The page runs under its policy with nothing blocked.
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await page.goto('/register');
    await page.getByLabel('Email').fill(uniqueEmail());
    await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible();
    expect(violations).toEqual([]);
  });

  test('a token from one session is refused in another', async ({ page, browser }) => {
    await register(page);
    const token = await csrfToken(page);
    const other = await browser.newContext({ baseURL: PRODUCTION });
    const stranger = await other.newPage();
    await register(stranger);
    const res = await stranger.request.post('/api/v1/orders', {
      headers: { 'x-csrf-token': token, 'idempotency-key': 'e2e-foreign-token-01' },
      data: { productId: await productId(stranger, 'MS-505'), quantity: 1 },
    });
    expect(res.status()).toBe(403);
    await other.close();
  });
});
