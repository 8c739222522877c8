import { Router } from 'express';
import type { Csrf } from '../http/csrf.js';
import { valid, validate } from '../http/validate.js';
import { type LoginBody, loginBody, type RegisterBody, registerBody } from './auth.schemas.js';
import type { AuthService, SignedIn } from './auth.service.js';
import { requireSession, sessionCookieOptions, sessionOf } from './session.js';
import { SESSION_COOKIE, type TokenService } from './tokens.js';

export function authRoutes(deps: {
  auth: AuthService;
  csrf: Csrf;
  tokens: TokenService;
  secureCookie: boolean;
}) {
  const { auth, csrf, tokens, secureCookie } = deps;
  const router = Router();

  function startSession(
    req: Parameters<Csrf['issue']>[0],
    res: Parameters<Csrf['issue']>[1],
    signedIn: SignedIn,
  ) {
    res.cookie(
      SESSION_COOKIE,
      signedIn.token,
      sessionCookieOptions(secureCookie, tokens.ttlSeconds),
    );
    return { user: signedIn.user, csrfToken: csrf.issue(req, res, signedIn.token) };
  }

  router.get('/csrf', (req, res) => {
    res.json({ csrfToken: csrf.issue(req, res) });
  });

  router.post('/register', validate('body', registerBody), async (req, res) => {
    const signedIn = await auth.register(valid<RegisterBody>(res, 'body'), req.ip ?? 'unknown');
    res.status(201).json(startSession(req, res, signedIn));
  });

  router.post('/login', validate('body', loginBody), async (req, res) => {
    const signedIn = await auth.login(valid<LoginBody>(res, 'body'), req.ip ?? 'unknown');
    res.json(startSession(req, res, signedIn));
  });

  router.post('/logout', requireSession, async (req, res) => {
    const session = sessionOf(res);
    if (session) await auth.logout(session);
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookie));
    res.json({ csrfToken: csrf.issue(req, res, '') });
  });

  router.get('/me', requireSession, (_req, res) => {
    const session = sessionOf(res);
    res.json({ user: { id: session?.userId, email: session?.email } });
  });

  return router;
}
