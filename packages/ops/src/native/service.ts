import type { DurableService } from '../plan.js';

export type ServiceState = 'missing' | 'stopped' | 'running';

export interface ServiceStatus {
  service: DurableService;
  state: ServiceState;
  pid: number | null;
  port: number;
  healthy: boolean;
  /** Resident memory of the process (and its children, for nginx), when running. */
  rssBytes: number | null;
  detail: string;
}

/** One durable service run as a plain process. */
export interface NativeService {
  readonly service: DurableService;
  /** The port it is known by (status), then any others it listens on. */
  readonly ports: readonly [number, ...number[]];
  /** 'missing' only for services with data that must be created first (MariaDB). */
  state(): Promise<{ state: ServiceState; pid: number | null }>;
  create(): Promise<void>;
  /** Starts the process and waits until it answers; returns its pid. */
  start(): Promise<number>;
  /** Stops the process and waits until it is gone; false if it was not running. */
  stop(): Promise<boolean>;
  health(): Promise<{ healthy: boolean; detail: string }>;
}
