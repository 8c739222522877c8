import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** First middleware: reuse a well-formed incoming x-request-id, or mint one; echo it back. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}

export function requestIdOf(res: { locals: Record<string, unknown> }): string {
  return (res.locals.requestId as string | undefined) ?? 'unknown';
}
