import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, type Page, test } from '@playwright/test';
import { orderViaApi, PASSWORD, productId, register } from '../support/app.js';

/** axe-core, injected into the page (the page's CSP would refuse it, so bypassed here). */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
test.use({ bypassCSP: true });

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Serious and critical axe violations of the page as it is now (WCAG 2.1 A and AA). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, o: object) => Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

test.describe('accessibility', () => {
  test('the login page has no serious or critical axe violations', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the register page, with its rules and an error showing, has none', async ({ page }) => {
    await page.goto('/register');
    await page.getByLabel('Password', { exact: true }).fill('short1');
    await page.getByLabel('Confirm password').fill('other');
    await page.getByLabel('Confirm password').blur();
    await expect(page.getByText('Passwords do not match.')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the order page, before and after an order, has none', async ({ page }) => {
    await register(page);
    await page.getByRole('link', { name: 'Place order' }).click();
    await expect(page.locator('.product-option').first()).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('radio', { name: /Plasma Conduit/ }).check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect(page.getByTestId('order-total')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('my orders, with orders in it, has none', async ({ page }) => {
    await register(page);
    await orderViaApi(page, await productId(page, 'GD-113'), 4);
    await page.goto('/orders');
    await expect(page.locator('tbody tr')).toHaveCount(1);
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('a person can log in and place an order with the keyboard alone', async ({ page }) => {
    const email = await register(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await page.getByLabel('Email').focus();
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/orders$/);

    await page.goto('/order');
    await expect(page.locator('.product-option').first()).toBeVisible();
    // Into the product group, choose the second product with an arrow key, then the quantity.
    await page.getByRole('radio').first().focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio').nth(1)).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Quantity')).toBeFocused();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Order accepted' })).toBeVisible();
  });
});
