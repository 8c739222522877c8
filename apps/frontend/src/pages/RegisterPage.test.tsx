import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { fail, fakeServer, noSleep, ok } from '../test/fake-server';
import { renderPage } from '../test/render';
import { RegisterPage } from './RegisterPage';

function setup(routes: Parameters<typeof fakeServer>[0] = {}) {
  const server = fakeServer({ 'GET /api/v1/auth/csrf': ok({ csrfToken: 'c' }), ...routes });
  const api = createApiClient({ fetch: server.fetch, sleep: noSleep });
  const page = renderPage(<RegisterPage />, api, { status: 'signed-out' });
  return { server, ...page, user: userEvent.setup() };
}

function rule(id: string) {
  const item = document.querySelector(`[data-rule="${id}"]`);
  if (!item) throw new Error(`no rule ${id}`);
  return item;
}

describe('RegisterPage', () => {
  it('ticks the password rules off as the person types', async () => {
    const { user } = setup();
    const password = screen.getByLabelText('Password');
    expect(password.getAttribute('aria-describedby')).toContain('password-rules');
    expect(rule('length').getAttribute('data-met')).toBe('false');

    await user.type(password, 'abc');
    expect(rule('letter').getAttribute('data-met')).toBe('true');
    expect(rule('digit').getAttribute('data-met')).toBe('false');
    expect(rule('length').getAttribute('data-met')).toBe('false');
    expect(within(rule('letter') as HTMLElement).getByText('Done:')).toBeTruthy();

    await user.type(password, 'defghijk9');
    expect(rule('digit').getAttribute('data-met')).toBe('true');
    expect(rule('length').getAttribute('data-met')).toBe('true');
    expect(screen.getByText('Password meets 3 of 3 rules.')).toBeTruthy();
  });

  it('says when the confirmation does not match, tied to the field', async () => {
    const { user } = setup();
    await user.type(screen.getByLabelText('Password'), 'abcdefghij12');
    const confirm = screen.getByLabelText('Confirm password');
    await user.type(confirm, 'abcdefghij13');
    const message = screen.getByText('Passwords do not match.');
    expect(confirm.getAttribute('aria-invalid')).toBe('true');
    expect(confirm.getAttribute('aria-describedby')?.split(' ')).toContain(message.id);

    await user.clear(confirm);
    await user.type(confirm, 'abcdefghij12');
    expect(screen.queryByText('Passwords do not match.')).toBeNull();
    expect(confirm.getAttribute('aria-invalid')).toBeNull();
  });

  it('keeps the submit button disabled until every field is valid', async () => {
    const { user } = setup();
    const submit = screen.getByRole('button', { name: 'Create account' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'short1');
    await user.type(screen.getByLabelText('Confirm password'), 'short1');
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText('Password'), 'butnowlong');
    await user.type(screen.getByLabelText('Confirm password'), 'butnowlong');
    expect((submit as HTMLButtonElement).disabled).toBe(false);
  });

  it('registers and signs in with the new account', async () => {
    const { user, server, context } = setup({
      'POST /api/v1/auth/register': {
        status: 201,
        body: { user: { id: 9, email: 'ada@example.com' }, csrfToken: 'c2' },
      },
    });
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse 1');
    await user.type(screen.getByLabelText('Confirm password'), 'correct horse 1');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(server.callsTo('POST /api/v1/auth/register')[0]?.body).toEqual({
      email: 'ada@example.com',
      password: 'correct horse 1',
    });
    expect(context.signIn).toHaveBeenCalledWith({ id: 9, email: 'ada@example.com' }, '/order');
  });

  it('explains a taken email in words, with the request id in small print', async () => {
    const { user } = setup({
      'POST /api/v1/auth/register': fail(
        409,
        'conflict',
        'an account with this email already exists',
      ),
    });
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse 1');
    await user.type(screen.getByLabelText('Confirm password'), 'correct horse 1');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('An account with this email already exists.');
    expect(alert.textContent).toContain('req-1234');
    expect(within(alert).getByRole('link', { name: 'Log in instead' })).toBeTruthy();
  });
});
