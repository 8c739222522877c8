import { AppError } from '@echobase/infra/errors';
import type { CookieOptions, RequestHandler, Response } from 'express';
import type { RevocationList } from './revocations.js';
import { SESSION_COOKIE, type SessionClaims, type TokenService } from './tokens.js';

export function sessionCookieOptions(secure: boolean, maxAgeSeconds?: number): CookieOptions {
  return {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: '/',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds * 1000 } : {}),
  };
}

/** The signed-in session of this request, when there is a valid, unrevoked one. */
export function sessionOf(res: Response): SessionClaims | undefined {
  return res.locals.session as SessionClaims | undefined;
}

/** Reads the session cookie on every request; an invalid one is ignored here, refused by requireSession. */
export function readSession(tokens: TokenService, revoked: RevocationList): RequestHandler {
  return (req, res, next) => {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) {
      const claims = tokens.verify(token);
      if (claims && !revoked.has(claims.sid)) res.locals.session = claims;
      else res.locals.sessionRejected = true;
    }
    next();
  };
}

export const requireSession: RequestHandler = (_req, res, next) => {
  if (sessionOf(res)) {
    next();
    return;
  }
  const message = res.locals.sessionRejected
    ? 'your session has expired or was ended; log in again'
    : 'log in first';
  next(new AppError('unauthenticated', message));
};
