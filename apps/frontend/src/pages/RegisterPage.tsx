import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/client';
import { asApiError, detailsByField } from '../api/messages';
import { useApp } from '../app-context';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { PasswordRules } from '../components/PasswordRules';
import { looksLikeEmail, passwordIsValid } from '../lib/password';
import { Link } from '../router';
import { PageTitle } from './PageTitle';

const REGISTER_MESSAGES = {
  conflict: 'An account with this email already exists.',
};

export function RegisterPage() {
  const { api, signIn } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [emailTouched, setEmailTouched] = useState(false);
  const [confirmTouched, setConfirmTouched] = useState(false);
  const [serverFieldErrors, setServerFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const emailValid = looksLikeEmail(email);
  const passwordValid = passwordIsValid(password);
  const confirmMatches = confirm === password;
  const canSubmit = emailValid && passwordValid && confirm.length > 0 && confirmMatches && !busy;

  const emailError =
    serverFieldErrors.email ??
    (emailTouched && email && !emailValid ? 'Enter an email address like name@example.com.' : '');
  // While the confirmation is still a prefix of the password the person is probably typing it.
  const confirmError =
    confirm && !confirmMatches && (confirmTouched || !password.startsWith(confirm))
      ? 'Passwords do not match.'
      : '';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    setServerFieldErrors({});
    try {
      const user = await api.register(email.trim(), password);
      signIn(user, '/order');
    } catch (caught) {
      const apiError = asApiError(caught);
      setServerFieldErrors(detailsByField(apiError, ['email', 'password']).byField);
      setError(apiError);
      setBusy(false);
    }
  }

  const other = error ? detailsByField(error, ['email', 'password']).other : [];
  return (
    <section className="card narrow" aria-labelledby="page-title">
      <PageTitle>Create an account</PageTitle>
      <form onSubmit={submit} noValidate>
        <Field
          id="register-email"
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          required
          value={email}
          error={emailError}
          onBlur={() => setEmailTouched(true)}
          onChange={(e) => {
            setEmail(e.target.value);
            setServerFieldErrors(({ email: _dropped, ...rest }) => rest);
          }}
        />
        <Field
          id="register-password"
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          maxLength={128}
          value={password}
          error={serverFieldErrors.password}
          describedBy={['password-rules']}
          onChange={(e) => setPassword(e.target.value)}
        >
          <PasswordRules id="password-rules" password={password} />
        </Field>
        <Field
          id="register-confirm"
          label="Confirm password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          value={confirm}
          error={confirmError}
          onBlur={() => setConfirmTouched(true)}
          onChange={(e) => setConfirm(e.target.value)}
        />
        {error ? (
          <ErrorNotice error={error} overrides={REGISTER_MESSAGES} details={other}>
            {error.code === 'conflict' ? (
              <p>
                <Link to="/login">Log in instead</Link>
              </p>
            ) : null}
          </ErrorNotice>
        ) : null}
        <button
          type="submit"
          className="button"
          disabled={!canSubmit}
          aria-describedby={canSubmit || busy ? undefined : 'register-submit-hint'}
        >
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
        {!canSubmit && !busy ? (
          <p className="field-hint" id="register-submit-hint">
            Enter your email and a password that meets every rule, then type it again to confirm.
          </p>
        ) : null}
        <p className="visually-hidden" role="status">
          {busy ? 'Creating your account…' : ''}
        </p>
      </form>
      <p className="aside">
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
