import type { RequestHandler } from 'express';

/** Public documents, the same for everyone: the product catalogue and the API description. */
const PUBLIC = /^\/api\/v1\/(?:products(?:\/|$)|openapi\.json$)/;

/**
 * Every answer is `no-store`: most depend on the session (a user's orders, who is signed in,
 * a CSRF token), and a browser's back button or a shared cache must never keep one. The
 * public documents are `no-cache`: a browser may keep them but revalidates each time (ETag),
 * so a price change or a new release is seen at once.
 */
export const cacheControl: RequestHandler = (req, res, next) => {
  res.setHeader('Cache-Control', PUBLIC.test(req.path) ? 'no-cache' : 'no-store');
  next();
};
