import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client';
import { asApiError, detailsByField } from '../api/messages';
import { useApp } from '../app-context';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Link, safeNext, useLocation } from '../router';
import { PageTitle } from './PageTitle';

const LOGIN_MESSAGES = {
  unauthenticated: 'Wrong email or password.',
  too_many_requests: 'Too many failed logins.',
};

export function LoginPage() {
  const { api, session, signIn } = useApp();
  const location = useLocation();
  const next = safeNext(location.search.get('next'), '/orders');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const missing: Record<string, string> = {};
    if (!email.trim()) missing.email = 'Enter your email address.';
    if (!password) missing.password = 'Enter your password.';
    setFieldErrors(missing);
    setError(null);
    if (Object.keys(missing).length > 0) {
      document.getElementById(missing.email ? 'login-email' : 'login-password')?.focus();
      return;
    }
    setBusy(true);
    try {
      const user = await api.login(email.trim(), password);
      signIn(user, next);
    } catch (caught) {
      const apiError = asApiError(caught);
      setFieldErrors(detailsByField(apiError, ['email', 'password']).byField);
      setError(apiError);
      setBusy(false);
    }
  }

  if (session.status === 'signed-in') {
    return (
      <section className="card" aria-labelledby="page-title">
        <PageTitle>Log in</PageTitle>
        <p>
          You are logged in as <strong>{session.user.email}</strong>.
        </p>
        <p>
          <Link to="/orders">Go to your orders</Link> or <Link to="/order">place an order</Link>.
        </p>
      </section>
    );
  }

  const other = error ? detailsByField(error, ['email', 'password']).other : [];
  return (
    <section className="card narrow" aria-labelledby="page-title">
      <PageTitle>Log in</PageTitle>
      <form onSubmit={submit} noValidate aria-describedby={error ? 'login-error' : undefined}>
        <Field
          id="login-email"
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          required
          value={email}
          error={fieldErrors.email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          id="login-password"
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          error={fieldErrors.password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? (
          <ErrorNotice id="login-error" error={error} overrides={LOGIN_MESSAGES} details={other} />
        ) : null}
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="visually-hidden" role="status">
          {busy ? 'Logging in…' : ''}
        </p>
      </form>
      <p className="aside">
        New here? <Link to="/register">Create an account</Link>
      </p>
    </section>
  );
}
