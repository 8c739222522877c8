import { createHmac } from 'node:crypto';
import { AppError } from '@echobase/infra/errors';
import { doubleCsrf } from 'csrf-csrf';
import type { ErrorRequestHandler, Request } from 'express';
import { SESSION_COOKIE } from '../auth/tokens.js';

export const CSRF_COOKIE = 'echobase_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Double-submit CSRF protection (csrf-csrf): every state-changing request carries the token
 * from GET /api/v1/auth/csrf in the x-csrf-token header, matching an HttpOnly, SameSite=Strict
 * cookie and bound to the session. The secret is derived from the JWT signing key, so both
 * colours accept each other's tokens and a switch never breaks a form.
 */
export function createCsrf(signingKey: string, secureCookie: boolean) {
  const secret = createHmac('sha256', signingKey).update('echobase csrf v1').digest('base64url');
  const sessionToken = (req: Request) =>
    (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE] ?? '';
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: sessionToken,
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', path: '/', secure: secureCookie, httpOnly: true },
    getCsrfTokenFromRequest: (req) => req.get(CSRF_HEADER),
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN', message: 'csrf' },
  });

  /** Turns the library's error into the API's envelope. */
  const csrfErrors: ErrorRequestHandler = (error, _req, _res, next) => {
    if ((error as { code?: string }).code === 'EBADCSRFTOKEN') {
      next(
        new AppError(
          'csrf_failed',
          'missing or invalid CSRF token; fetch one from /api/v1/auth/csrf',
        ),
      );
      return;
    }
    next(error);
  };

  return {
    protect: csrf.doubleCsrfProtection,
    csrfErrors,
    /** A token for the session the response is about to set (after login), or the current one. */
    issue(
      req: Request,
      res: Parameters<typeof csrf.generateCsrfToken>[1],
      sessionCookieValue?: string,
    ): string {
      if (sessionCookieValue !== undefined) {
        (req.cookies as Record<string, string>)[SESSION_COOKIE] = sessionCookieValue;
      }
      return csrf.generateCsrfToken(req, res, { overwrite: true });
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;
