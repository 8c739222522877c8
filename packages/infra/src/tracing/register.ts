/**
 * The OpenTelemetry SDK, loaded before an app's own modules:
 *   node --import @echobase/infra/tracing/register apps/<app>/dist/main.js
 * The apps are ES modules: only a loader hook registered before they are imported lets the
 * instrumentations patch express, pino, mysql2 and the AWS SDK (without it they load
 * unpatched and nothing says so). Settings are OpenTelemetry's own variables:
 *   OTEL_SDK_DISABLED=true        tracing off (nothing loaded, nothing sent)
 *   OTEL_EXPORTER_OTLP_ENDPOINT    where spans go (OTLP over HTTP); the environment's collector
 *   OTEL_TRACES_SAMPLER_ARG        the share of traces kept, 0 to 1 (default 1)
 *   OTEL_SERVICE_NAME              defaults to the app's folder name (apps/<app>/dist/main.js)
 * Spans are sent in the background; a collector that is down costs dropped spans, never an
 * order. An app sends what is still buffered before it exits (flushTraces in ./index.ts).
 */
import { register } from 'node:module';
import { basename, dirname } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { echobaseSampler, sampleRatio } from './sampler.js';

/** Probes and scrapes are not requests anyone traces. */
const UNTRACED = /^\/(health|metrics)(\/|\?|$)/;

function start(): Promise<void> {
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
  // The loader intercepts only the modules an instrumentation asks for (the AWS SDK's ES
  // modules among them), not every module the app loads: about a second less at each start.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  // Spans leave a second after they end (the SDK's default is 5 s): `echobase trace` right
  // after an order finds it whole.
  env.OTEL_BSP_SCHEDULE_DELAY ??= '1000';
  const sdk = new NodeSDK({
    serviceName: service,
    resource: resourceFromAttributes({
      ...(env.BUILD_ID ? { 'service.version': env.BUILD_ID, 'echobase.build': env.BUILD_ID } : {}),
      ...(env.COLOUR ? { 'echobase.colour': env.COLOUR } : {}),
      ...(env.ECHOBASE_ENV ? { 'deployment.environment.name': env.ECHOBASE_ENV } : {}),
    }),
    sampler: echobaseSampler(ratio),
    traceExporter: new OTLPTraceExporter(),
    // Traces only: metrics are Prometheus's (/metrics), logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new MySQL2Instrumentation(),
      // The SDK's own HTTP requests are part of its call's span, not spans of their own.
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      // trace_id, span_id and trace_flags on every line logged inside a span.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  return waitForAllMessagesAcknowledged();
}

// The app's modules load once every hook the instrumentations asked for is in place.
if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') await start();
