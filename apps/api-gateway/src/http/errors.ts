import { isDatabaseUnavailable } from '@echobase/infra/db';
import { AppError, errorEnvelope } from '@echobase/infra/errors';
import type { Logger } from '@echobase/infra/logger';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { requestIdOf } from './request-id.js';

/** Errors body-parser raises, mapped to what the client did wrong. */
function fromBodyParser(error: { type?: string; status?: number }): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'the request body is too large');
    case 'entity.parse.failed':
      return new AppError('bad_request', 'the request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'the request body encoding is not supported');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('bad_request', 'the request body could not be read');
    default:
      return null;
  }
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
          : fromBodyParser(error as { type?: string; status?: number });
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
    if (appError.retryAfter !== undefined)
      res.setHeader('Retry-After', String(appError.retryAfter));
    res.status(appError.status).json(errorEnvelope(appError, requestId));
  };
}
