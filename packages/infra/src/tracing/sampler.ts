import { type Attributes, type Context, SpanKind } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { BATCH_SIZE_ATTRIBUTE, ORDER_ID_ATTRIBUTE } from './index.js';

/**
 * Which traces are kept. A trace starts only where something asks for work: a request
 * (a SERVER span) or an order's message. The processor's long polls, its sweeps for orders to
 * re-publish and a client's background calls are not traces of their own; they would bury the
 * orders' traces under one every few seconds. Of those that may start, `ratio` of the trace ids
 * are kept; below a root, a span follows its parent's decision, so a trace is whole or absent.
 */
export function echobaseSampler(ratio: number): Sampler {
  const ratioSampler = new TraceIdRatioBasedSampler(ratio);
  const root: Sampler = {
    shouldSample(
      ctx: Context,
      traceId: string,
      _name: string,
      kind: SpanKind,
      attributes: Attributes,
    ): SamplingResult {
      const startsWork =
        kind === SpanKind.SERVER ||
        attributes[ORDER_ID_ATTRIBUTE] !== undefined ||
        attributes[BATCH_SIZE_ATTRIBUTE] !== undefined;
      return startsWork
        ? ratioSampler.shouldSample(ctx, traceId)
        : { decision: SamplingDecision.NOT_RECORD };
    },
    toString: () => `EchobaseRootSampler{ratio=${ratio}}`,
  };
  return new ParentBasedSampler({ root });
}

/**
 * The share of traces kept, from OTEL_TRACES_SAMPLER_ARG: 1 when unset. Anything but a number
 * from 0 to 1 is refused by name (a sampler handed NaN keeps nothing, silently).
 */
export function sampleRatio(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const ratio = Number(value);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not '${value}'`);
  }
  return ratio;
}
