/**
 * The OpenTelemetry SDK, loaded before an app's own modules:
 *   node --import @echobase/infra/tracing/register apps/<app>/dist/main.js
 * The apps are ES modules: only a loader hook registered before they are imported lets the
 * instrumentations patch express, pino, mysql2 and the AWS SDK (without it they load
 * unpatched and nothing says so). Settings are OpenTelemetry's own variables:
 *   OTEL_SDK_DISABLED=true        tracing off (no spans, no hooks, nothing sent)
 *   OTEL_EXPORTER_OTLP_ENDPOINT    where spans go (OTLP over HTTP); the environment's collector
 *   OTEL_TRACES_SAMPLER_ARG        the share of traces kept, 0 to 1 (default 1)
 *   OTEL_SERVICE_NAME              defaults to the app's folder name (apps/<app>/dist/main.js)
 * Spans are sent in the background; a collector that is down costs dropped spans, never an
 * order. An app sends what is still buffered before it exits (flushTraces in ./index.ts).
 */
import { basename, dirname } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { register as registerSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { echobaseSampler, sampleRatio } from './sampler.js';

/**
 * The OTLP exporter (protobuf over HTTP), loaded on the first export, a second after the start:
 * its protobuf code is a fifth of tracing's cost at start, when a restarted service must answer
 * again within 2 s. Spans wait in the batch processor meanwhile.
 */
function lazyOtlpExporter(): SpanExporter {
  let loaded: Promise<SpanExporter> | undefined;
  const exporter = () =>
    (loaded ??= import('@opentelemetry/exporter-trace-otlp-proto').then(
      ({ OTLPTraceExporter }) => new OTLPTraceExporter(),
    ));
  return {
    export(spans, done) {
      exporter().then(
        (e) => e.export(spans, done),
        (error: Error) => done({ code: ExportResultCode.FAILED, error }),
      );
    },
    shutdown: () => (loaded ? loaded.then((e) => e.shutdown()) : Promise.resolve()),
    forceFlush: () => (loaded ? loaded.then((e) => e.forceFlush?.()) : Promise.resolve()),
  };
}

/** Probes and scrapes are not requests anyone traces. */
const UNTRACED = /^\/(health|metrics)(\/|\?|$)/;

function start(): void {
  const env = process.env;
  const entry = process.argv[1] ?? 'app';
  const service = env.OTEL_SERVICE_NAME || basename(dirname(dirname(entry)));
  let ratio: number;
  try {
    ratio = sampleRatio(env.OTEL_TRACES_SAMPLER_ARG);
  } catch (error) {
    process.stderr.write(`${service}: invalid configuration:\n  ${(error as Error).message}\n`);
    process.exit(2);
  }
  // The loader runs on the app's own thread (module.registerHooks, Node 24.11.1+) and
  // intercepts only the modules an instrumentation asks for (the AWS SDK's ES modules among
  // them), not every module the app loads.
  registerSyncHooks();
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': service,
        ...(env.BUILD_ID
          ? { 'service.version': env.BUILD_ID, 'echobase.build': env.BUILD_ID }
          : {}),
        ...(env.COLOUR ? { 'echobase.colour': env.COLOUR } : {}),
        ...(env.ECHOBASE_ENV ? { 'deployment.environment.name': env.ECHOBASE_ENV } : {}),
      }),
    ),
    sampler: echobaseSampler(ratio),
    // Spans leave a second after they end (the SDK's default is 5 s): `echobase trace` right
    // after an order finds it whole.
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: lazyOtlpExporter(),
        scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 1000) || 1000,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED.test(req.url ?? ''),
      }),
      // The routers and the handler, not every middleware: a span per middleware is a dozen per
      // request, CPU a loaded two-core machine does not have (the chaos run's timeouts).
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new MySQL2Instrumentation(),
      // The SDK's own HTTP requests are part of its call's span, not spans of their own.
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      // trace_id, span_id and trace_flags on every line logged inside a span.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
}

if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') start();
