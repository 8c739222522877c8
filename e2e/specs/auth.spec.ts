import { expect, test } from '@playwright/test';
import { logIn, PASSWORD, register, uniqueEmail } from '../support/app.js';

test.describe('auth', () => {
  test('register signs the new user in, ready to order, with an empty order list', async ({
    page,
  }) => {
    const email = await register(page);
    await expect(page.locator('.product-option').first()).toBeVisible();
    await page.getByRole('link', { name: 'My orders' }).click();
    await expect(page.getByRole('heading', { name: 'My orders' })).toBeVisible();
    await expect(page.getByText('You have not placed any orders yet.')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(email);
  });

  test('the password rules update as the person types, and a mismatch blocks the form', async ({
    page,
  }) => {
    await page.goto('/register');
    const rule = (id: string) => page.locator(`[data-rule="${id}"]`);
    await expect(rule('length')).toHaveAttribute('data-met', 'false');
    await page.getByLabel('Password', { exact: true }).fill('abc');
    await expect(rule('letter')).toHaveAttribute('data-met', 'true');
    await expect(rule('digit')).toHaveAttribute('data-met', 'false');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    for (const id of ['length', 'letter', 'digit']) {
      await expect(rule(id)).toHaveAttribute('data-met', 'true');
    }
    await page.getByLabel('Email').fill(uniqueEmail());
    await page.getByLabel('Confirm password').fill(`${PASSWORD}x`);
    await page.getByLabel('Confirm password').blur();
    await expect(page.getByText('Passwords do not match.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create account' })).toBeDisabled();
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await expect(page.getByRole('button', { name: 'Create account' })).toBeEnabled();
  });

  test('log out, then log in again with the same password', async ({ page }) => {
    const email = await register(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByText('You have logged out.')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Register' })).toBeVisible();

    await logIn(page, email);
    await expect(page).toHaveURL(/\/orders$/);
    await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(email);
  });

  test('after logout the old session cookie no longer works', async ({ page, context }) => {
    await register(page);
    const session = (await context.cookies()).find((c) => c.name === 'echobase_session');
    expect(session).toBeDefined();
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    // Put the old token back: the server revoked it at logout.
    await context.addCookies([session as NonNullable<typeof session>]);
    const me = await page.request.get('/api/v1/auth/me');
    expect(me.status()).toBe(401);
  });

  test('a wrong password is refused with a clear message', async ({ page }) => {
    const email = await register(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, email, `${PASSWORD}-wrong`);
    await expect(page.getByText('Wrong email or password.')).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
  });

  test('registering an email twice says so and offers to log in', async ({ page }) => {
    const email = await register(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.goto('/register');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByText('An account with this email already exists.')).toBeVisible();
    await page.getByRole('link', { name: 'Log in instead' }).click();
    await expect(page).toHaveURL(/\/login$/);
  });

  test('an expired session leads back to login with a message, then to the page asked for', async ({
    page,
    context,
  }) => {
    const email = await register(page);
    // The session ends under the open page (expiry, or the cookie gone): the next API call
    // that needs it answers 401.
    await context.clearCookies({ name: 'echobase_session' });
    await page.getByRole('link', { name: 'My orders' }).click();
    await expect(page.getByText('Your session has expired — please log in again')).toBeVisible();
    await expect(page).toHaveURL(/\/login\?next=%2Forders$/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/orders$/);
    await expect(page.getByRole('heading', { name: 'My orders' })).toBeVisible();
  });

  test('signed-out visitors of a protected page are sent to log in first', async ({ page }) => {
    await page.goto('/orders');
    await expect(page).toHaveURL(/\/login\?next=%2Forders$/);
    await expect(page.getByText('Please log in to continue.')).toBeVisible();
  });

  test('an unknown page leads to login saying it does not exist', async ({ page }) => {
    await page.goto('/no/such/page');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByText('That page does not exist')).toBeVisible();
  });
});
