import type { EnvPaths } from '../paths.js';
import { type DurablePorts, LOOPBACK } from '../plan.js';
import {
  emulatorBasics,
  type NativeService,
  OBSERVER_PROGRAM,
  supervisedService,
} from './service.js';
import type { Supervisor } from './supervisor.js';

/**
 * Jaeger v2 (built from its Go module by scripts/install-deps.sh), run by the environment's
 * supervisor as the environment's trace collector and store: OTLP over HTTP in from the apps,
 * traces in memory, the query API out, every port from the plan and on loopback. The config is
 * the one docker runs (observability/jaeger.yaml); its addresses come from the environment.
 * Traces are lost when it restarts: it holds the last 50,000, for looking at, not for keeping.
 */
export function jaegerService(
  sup: Supervisor,
  paths: EnvPaths['jaeger'],
  ports: Pick<DurablePorts, 'jaeger' | 'otlp' | 'jaegerGrpc' | 'jaegerHealth'>,
  tool: { binary: string; config: string },
): NativeService {
  const health = `http://${LOOPBACK}:${ports.jaegerHealth}/status`;

  async function answers(): Promise<boolean> {
    try {
      const res = await fetch(health, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  return supervisedService(sup, {
    service: 'jaeger',
    ports: [ports.jaeger, ports.otlp, ports.jaegerGrpc, ports.jaegerHealth],
    ...emulatorBasics(paths.dir, health, answers),
    program: {
      name: 'jaeger',
      command: [tool.binary, `--config=file:${tool.config}`],
      environment: {
        JAEGER_HOST: LOOPBACK,
        JAEGER_QUERY_PORT: String(ports.jaeger),
        JAEGER_QUERY_GRPC_PORT: String(ports.jaegerGrpc),
        JAEGER_HEALTH_PORT: String(ports.jaegerHealth),
        JAEGER_OTLP_PORT: String(ports.otlp),
      },
      logFile: paths.log,
      ...OBSERVER_PROGRAM,
    },
    log: paths.log,
    answers,
  });
}
