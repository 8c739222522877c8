import { AppError } from '@echobase/infra/errors';
import type { RequestHandler } from 'express';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A request that carries a body must say it is JSON; anything else is 415, not a guess. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
    next(new AppError('unsupported_media_type', 'send the request body as application/json'));
    return;
  }
  next();
};
