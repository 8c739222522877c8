import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  csrfResponse,
  loginBody,
  registerBody,
  sessionResponse,
  userResponse,
} from './auth/auth.schemas.js';
import { pageQuery } from './http/pagination.js';
import {
  acceptedResponse,
  idempotencyKeyHeader,
  orderIdParams,
  orderPage,
  orderResponse,
  placeOrderBody,
} from './orders/orders.schemas.js';
import { productPage } from './products/products.schemas.js';

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, json(errorEnvelope, 'error envelope')]));
const csrfHeader = z.object({ 'x-csrf-token': z.string() });

/**
 * The OpenAPI document, generated from the same zod schemas the routes validate with, so the
 * two cannot disagree.
 */
export function buildOpenApi(version: string) {
  const registry = new OpenAPIRegistry();
  const body = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/auth/csrf',
    responses: { 200: json(csrfResponse, 'a CSRF token (and its cookie)') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/register',
    request: { headers: csrfHeader, ...body(registerBody) },
    responses: {
      201: json(sessionResponse, 'registered and signed in'),
      ...errors(400, 403, 409, 413, 415, 429),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/login',
    request: { headers: csrfHeader, ...body(loginBody) },
    responses: { 200: json(sessionResponse, 'signed in'), ...errors(400, 401, 403, 429) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/logout',
    request: { headers: csrfHeader },
    responses: { 200: json(csrfResponse, 'session revoked'), ...errors(401, 403) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/auth/me',
    responses: {
      200: json(z.object({ user: userResponse }), 'the signed-in user'),
      ...errors(401),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/products',
    request: { query: pageQuery },
    responses: { 200: json(productPage, 'the catalogue'), ...errors(400) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/orders',
    request: { headers: csrfHeader.extend(idempotencyKeyHeader.shape), ...body(placeOrderBody) },
    responses: {
      202: json(acceptedResponse, 'accepted and queued'),
      200: json(acceptedResponse, 'the same Idempotency-Key again: the order it placed'),
      ...errors(400, 401, 403, 413, 415, 422, 503),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/orders',
    request: { query: pageQuery },
    responses: { 200: json(orderPage, "the caller's orders, newest first"), ...errors(400, 401) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/orders/{id}',
    request: { params: orderIdParams },
    responses: { 200: json(orderResponse, 'one order'), ...errors(400, 401, 404) },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Echobase API', version },
  });
}
