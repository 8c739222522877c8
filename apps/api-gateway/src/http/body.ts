import type { IncomingMessage } from 'node:http';
import { AppError } from '@echobase/infra/errors';
import express, { type RequestHandler } from 'express';

/** The largest request body: far above any valid one (a login or an order is under 300 B). */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** True when the request says, before sending it, that its body is over the limit. */
export function declaresTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES;
}

/**
 * express.json, refusing a body as soon as it is known to be too large and closing the
 * connection. On its own, body-parser reads a refused body to its end before answering (to
 * keep the connection usable), so a client declaring 5 MB, or streaming chunks without end,
 * held the socket for as long as it cared to send.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: true });
  return (req, res, next) => {
    let settled = false;
    let received = 0;
    const done = (error?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', count);
      next(error);
    };
    // The error handler closes the connection, as the body has not arrived whole.
    const tooLarge = () => done(new AppError('payload_too_large', 'the request body is too large'));
    // A chunked body declares no length: count it as it arrives (body-parser's own count stops
    // at the limit, then it reads the rest to the end before calling back).
    function count(chunk: Buffer) {
      received += chunk.length;
      if (received > BODY_LIMIT_BYTES) tooLarge();
    }
    if (declaresTooLarge(req)) {
      tooLarge();
      return;
    }
    // Attached in the same tick as body-parser's own listener, so both see every chunk.
    if (req.headers['transfer-encoding'] !== undefined) req.on('data', count);
    parse(req, res, done);
  };
}
