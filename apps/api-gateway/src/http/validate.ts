import { AppError } from '@echobase/infra/errors';
import type { RequestHandler } from 'express';
import type { z } from 'zod';

type Part = 'body' | 'query' | 'params' | 'headers';

/**
 * The one validation middleware: parses a part of the request with its schema and keeps the
 * parsed value in res.locals.valid[part], so handlers only ever see checked input. Errors name
 * the field and the rule, never the submitted value.
 */
export function validate(part: Part, schema: z.ZodType): RequestHandler {
  return (req, res, next) => {
    const result = schema.safeParse(part === 'body' ? (req.body ?? {}) : req[part]);
    if (!result.success) {
      const details = result.error.issues.map((issue) => ({
        field: issue.path.join('.') || part,
        message: issue.message,
      }));
      next(new AppError('validation_failed', `the request ${part} is not valid`, { details }));
      return;
    }
    res.locals.valid = { ...(res.locals.valid as object | undefined), [part]: result.data };
    next();
  };
}

/** The parsed value `validate(part, schema)` stored for this request. */
export function valid<T>(res: { locals: Record<string, unknown> }, part: Part): T {
  return (res.locals.valid as Record<Part, T>)[part];
}
