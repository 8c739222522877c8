import { isDatabaseUnavailable } from '@echobase/infra/db';
import { AppError, errorEnvelope } from '@echobase/infra/errors';
import type { Logger } from '@echobase/infra/logger';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { requestIdOf } from './request-id.js';

/**
 * Errors body-parser and raw-body raise (their `type`), mapped to what the client did wrong.
 * Every one is the client's: a body that cannot be read, decoded or parsed is never a 500 (a
 * burst of them would trip the deploy watch's error-rate rollback).
 */
function fromBodyParser(error: {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'the request body is too large');
    case 'entity.parse.failed':
      return new AppError('bad_request', 'the request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'the request body encoding is not supported');
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new AppError('bad_request', 'the request body could not be read');
  }
  // A decoder's own error (zlib's Z_DATA_ERROR for a gzip header on a body that is not gzip)
  // reaches here as an http-errors 400 with no type; so would any other client error raised
  // by Express's own middleware.
  if (error.expose === true && typeof error.status === 'number' && error.status < 500) {
    return error.status === 413
      ? new AppError('payload_too_large', 'the request body is too large')
      : error.status === 415
        ? new AppError('unsupported_media_type', 'the request body encoding is not supported')
        : new AppError('bad_request', 'the request body could not be read');
  }
  return null;
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('not_found', 'no such route'));
};

/** The single exit for errors: logs once, answers {error: {code, message, requestId}}. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = requestIdOf(res);
    const known =
      error instanceof AppError
        ? error
        : isDatabaseUnavailable(error)
          ? new AppError('unavailable', 'the database is unavailable; try again shortly', {
              retryAfter: 2,
            })
          : fromBodyParser((error ?? {}) as { type?: unknown; status?: unknown; expose?: unknown });
    const appError =
      known ?? new AppError('internal', 'something went wrong; the request id says where');
    if (known) {
      logger.info(
        { requestId, code: appError.code, status: appError.status, path: req.path },
        'request refused',
      );
    } else {
      logger.error({ requestId, err: error, path: req.path }, 'unhandled error');
    }
    if (res.headersSent) return;
    // Refused before its body arrived whole (too large, wrong type): close the connection
    // rather than let Node read the rest of a body nobody will use.
    if (!req.complete) res.setHeader('Connection', 'close');
    if (appError.retryAfter !== undefined)
      res.setHeader('Retry-After', String(appError.retryAfter));
    res.status(appError.status).json(errorEnvelope(appError, requestId));
  };
}
