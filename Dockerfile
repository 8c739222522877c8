# The three apps' images, one target each: api-gateway, order-processor, frontend. The build
# context is the repository root, because the apps are npm workspaces that share one lock file
# and @echobase/infra. docker-compose.yml builds them and tags them by build id:
#
#   BUILD_ID=$(git rev-parse --short=12 HEAD) docker compose -f docker-compose.yml \
#     -f docker-compose.blue.yml -p echobase-blue build
#
# Every target is multi-stage: the build stage has the compilers and dev dependencies; the
# image has Node, the built app and its production dependencies only, runs as the unprivileged
# `node` user, and declares a healthcheck on the app's own health endpoint.

# The Node release of .node-version (a unit test holds them equal).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: everything, compiled once for all three targets ----
FROM ${NODE_IMAGE} AS build
# argon2 is compiled from source, as natively (the project does not run its prebuilt binaries).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* \
  && npm install -g npm@11.19.1
ENV npm_config_build_from_source=true TURBO_TELEMETRY_DISABLED=1
WORKDIR /src
COPY . .
RUN npm ci \
  && npx turbo run build --filter=@echobase/api-gateway --filter=@echobase/order-processor \
    --filter=@echobase/frontend

# ---- production dependencies of one workspace each ----
FROM build AS deps-api-gateway
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules \
  && npm ci --omit=dev --workspace=@echobase/api-gateway

FROM build AS deps-order-processor
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules \
  && npm ci --omit=dev --workspace=@echobase/order-processor

FROM build AS deps-frontend
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules \
  && npm ci --omit=dev --workspace=@echobase/frontend

# ---- what every image starts from ----
FROM ${NODE_IMAGE} AS runtime
# The compile cache lives in the container: a service its restart policy brings back starts
# without compiling again what it loaded before.
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app
COPY --from=build /src/package.json ./
# Listens on every interface of the container; compose publishes the ports on 127.0.0.1 only.
ENV HOST=0.0.0.0 HEALTH_HOST=0.0.0.0
# SIGTERM: the apps stop taking work, finish what is in flight and exit.
STOPSIGNAL SIGTERM

# ---- api-gateway ----
FROM runtime AS api-gateway
COPY --from=deps-api-gateway /src/node_modules node_modules
COPY --from=build /src/packages/infra/package.json packages/infra/
COPY --from=build /src/packages/infra/dist packages/infra/dist
COPY --from=build /src/packages/infra/migrations packages/infra/migrations
COPY --from=build /src/apps/api-gateway/package.json apps/api-gateway/
COPY --from=build /src/apps/api-gateway/dist apps/api-gateway/dist
USER node
ENV PORT=3101
EXPOSE 3101
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The tracing SDK first (TRACING_HOOK in packages/infra/src/tracing).
CMD ["node", "--import", "@echobase/infra/tracing/register", "apps/api-gateway/dist/main.js"]

# ---- order-processor ----
FROM runtime AS order-processor
COPY --from=deps-order-processor /src/node_modules node_modules
COPY --from=build /src/packages/infra/package.json packages/infra/
COPY --from=build /src/packages/infra/dist packages/infra/dist
COPY --from=build /src/apps/order-processor/package.json apps/order-processor/
COPY --from=build /src/apps/order-processor/dist apps/order-processor/dist
USER node
ENV HEALTH_PORT=3102
EXPOSE 3102
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.HEALTH_PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "@echobase/infra/tracing/register", "apps/order-processor/dist/main.js"]

# ---- frontend: the built single-page app behind a small static server ----
FROM runtime AS frontend
COPY --from=deps-frontend /src/node_modules node_modules
COPY --from=build /src/apps/frontend/package.json apps/frontend/
COPY --from=build /src/apps/frontend/server.mjs apps/frontend/
COPY --from=build /src/apps/frontend/dist apps/frontend/dist
USER node
ENV PORT=3103
EXPOSE 3103
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/frontend/server.mjs"]
