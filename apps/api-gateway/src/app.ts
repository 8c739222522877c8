import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from '@echobase/infra/db';
import type { Logger } from '@echobase/infra/logger';
import { Counter, createRegistry, type Registry, serveMetrics } from '@echobase/infra/metrics';
import type { OrderSigner } from '@echobase/infra/queue';
import { traceResponse } from '@echobase/infra/tracing';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { createAuthRepository } from './auth/auth.repository.js';
import { authRoutes } from './auth/auth.routes.js';
import { createAuthService } from './auth/auth.service.js';
import { createRevocationList, type RevocationList } from './auth/revocations.js';
import { readSession } from './auth/session.js';
import { createAuthThrottle, type ThrottleLimits } from './auth/throttle.js';
import { createTokenService } from './auth/tokens.js';
import { healthRoutes } from './health/health.routes.js';
import { accessLog } from './http/access-log.js';
import { jsonBody } from './http/body.js';
import { cacheControl } from './http/cache-control.js';
import { createCsrf } from './http/csrf.js';
import { errorHandler, notFound } from './http/errors.js';
import { httpMetrics } from './http/metrics.js';
import { requestId } from './http/request-id.js';
import { requireJsonBody } from './http/security.js';
import { createTrustedProxies } from './http/trusted-proxies.js';
import { buildOpenApi } from './openapi.js';
import { createOrderProducer } from './orders/orders.queue.js';
import { createOrdersRepository } from './orders/orders.repository.js';
import { orderRoutes } from './orders/orders.routes.js';
import { createOrdersService } from './orders/orders.service.js';
import { type Catalogue, createCatalogue } from './products/catalogue.js';
import { createProductsRepository } from './products/products.repository.js';
import { productRoutes } from './products/products.routes.js';

export interface AppDeps {
  pool: Pool;
  sqs: SQSClient;
  queueUrl: string;
  /** Signs order messages (the key from ORDER_SIGNING_SECRET_NAME). */
  orderSigner: OrderSigner;
  logger: Logger;
  jwtSigningKey: string;
  jwtTtlSeconds: number;
  secureCookies: boolean;
  colour?: string | undefined;
  buildId: string;
  throttleLimits?: Partial<ThrottleLimits>;
  /** TRUSTED_PROXIES: the load balancer's addresses; none when omitted. */
  trustedProxies?: readonly string[];
  /** Where the metrics go; a registry of its own (with the process's figures) when omitted. */
  registry?: Registry;
}

export interface App {
  express: Express;
  registry: Registry;
  catalogue: Catalogue;
  revocations: RevocationList;
  /** Loads the catalogue and starts the background refreshes. */
  start(): Promise<void>;
  stop(): void;
}

/** Builds the API; never listens and never reads the environment (main.ts does both). */
export function createApp(deps: AppDeps): App {
  const { pool, logger } = deps;
  const identity: Record<string, string> = {
    buildId: deps.buildId,
    ...(deps.colour ? { colour: deps.colour } : {}),
  };

  const registry =
    deps.registry ??
    createRegistry({ service: 'api-gateway', colour: deps.colour, buildId: deps.buildId });
  const accepted = new Counter({
    name: 'echobase_orders_accepted_total',
    help: 'Orders accepted (202), and repeats of an accepted order answered again (replayed)',
    labelNames: ['replayed'],
    registers: [registry],
  });
  const tokens = createTokenService(deps.jwtSigningKey, deps.jwtTtlSeconds);
  const authRepo = createAuthRepository(pool);
  const trustedProxies = createTrustedProxies(deps.trustedProxies ?? [], { logger });
  const revocations = createRevocationList(authRepo, logger);
  const catalogue = createCatalogue(createProductsRepository(pool), logger);
  const csrf = createCsrf(deps.jwtSigningKey, deps.secureCookies);
  const auth = createAuthService({
    repo: authRepo,
    tokens,
    throttle: createAuthThrottle(deps.throttleLimits),
    revoked: revocations,
  });
  const orders = createOrdersService({
    catalogue,
    repo: createOrdersRepository(pool),
    producer: createOrderProducer(deps.sqs, deps.queueUrl, deps.orderSigner),
    logger,
    onAccepted: ({ replayed }) => accepted.inc({ replayed: String(replayed) }),
  });
  const openapi = buildOpenApi(deps.buildId);

  const app = express();
  app.disable('x-powered-by');
  // The client address (req.ip, which the login throttle counts by) comes from
  // X-Forwarded-For only on a connection from the load balancer itself.
  app.set('trust proxy', trustedProxies.trust);
  // For Prometheus, on the API's own port (the load balancer routes only /api/ and /health/
  // here); before the access log and the request figures, which a scrape every 15 s would fill.
  app.get('/metrics', (_req, res) => void serveMetrics(registry, res));
  app.use(requestId());
  app.use(accessLog(logger));
  app.use(httpMetrics(registry));

  app.use((_req, res, next) => {
    if (deps.colour) res.setHeader('x-echobase-colour', deps.colour);
    res.setHeader('x-echobase-build', deps.buildId);
    const traced = traceResponse();
    if (traced) res.setHeader('traceresponse', traced);
    next();
  });
  app.use(helmet());
  app.use(cacheControl);
  app.use(requireJsonBody);
  app.use(jsonBody());
  app.use(cookieParser());
  app.use(readSession(tokens, revocations));

  app.use(
    '/health',
    healthRoutes({ pool, sqs: deps.sqs, queueUrl: deps.queueUrl, catalogue, identity, logger }),
  );

  const api = express.Router();
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  // csrf-csrf ignores GET/HEAD/OPTIONS itself; skipping them here saves its work on every read.
  api.use((req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD' ? next() : csrf.protect(req, res, next),
  );
  api.use(csrf.csrfErrors);
  api.use('/auth', authRoutes({ auth, csrf, tokens, secureCookie: deps.secureCookies }));
  api.use('/products', productRoutes(catalogue));
  api.use('/orders', orderRoutes(orders));
  app.use('/api/v1', api);

  app.use(notFound);
  app.use(errorHandler(logger));

  return {
    express: app,
    registry,
    catalogue,
    revocations,
    async start() {
      // Independent of each other: together they take the time of the slowest, not the sum.
      await Promise.all([trustedProxies.start(), catalogue.start(), revocations.refresh()]);
      revocations.start();
    },
    stop() {
      catalogue.stop();
      revocations.stop();
      trustedProxies.stop();
    },
  };
}
