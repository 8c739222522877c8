import type { RestartRecord } from './supervisor.js';

/**
 * What the supervisord event listener (supervisor-listener.ts) understands of supervisord's
 * event protocol, and what it does about each event; no I/O here.
 */

export interface SupervisorEvent {
  name: string;
  /** PROCESS_STATE_<state>, as `state`. */
  state: string;
  fields: Record<string, string>;
}

/** `key:value key:value` as in supervisord's headers and payloads. */
export function parseTokens(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of line.trim().split(/\s+/)) {
    const i = token.indexOf(':');
    if (i > 0) out[token.slice(0, i)] = token.slice(i + 1);
  }
  return out;
}

/**
 * Splits stdin into events: a header line with `len:`, then exactly that many bytes of
 * payload. Feed it chunks; it returns the complete events and keeps the rest.
 */
export class EventReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): SupervisorEvent[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const events: SupervisorEvent[] = [];
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline < 0) break;
      const header = parseTokens(this.buffer.subarray(0, newline).toString('utf8'));
      const len = Number(header.len ?? 0);
      if (this.buffer.length < newline + 1 + len) break;
      const payload = this.buffer.subarray(newline + 1, newline + 1 + len).toString('utf8');
      this.buffer = this.buffer.subarray(newline + 1 + len);
      const fields = parseTokens(payload.split('\n')[0] ?? '');
      const eventname = header.eventname ?? '';
      events.push({
        name: fields.processname ?? '',
        state: eventname.replace(/^PROCESS_STATE_/, ''),
        fields,
      });
    }
    return events;
  }
}

export const COOL_DOWN_FIRST_MS = 10_000;
export const COOL_DOWN_MAX_MS = 300_000;

/** What the listener does about one event: the restart book, and maybe a retry after FATAL. */
export class RestartBook {
  readonly records: Record<string, RestartRecord>;
  private readonly fatalStreak = new Map<string, number>();
  /** Programs whose current start was automatic (not a command's). */
  private readonly automatic = new Set<string>();

  constructor(records: Record<string, RestartRecord> = {}) {
    this.records = records;
  }

  /**
   * Returns whether the book changed, the delay after which to start a program that
   * supervisord gave up on, and whether a program runs again (past startsecs) after an
   * automatic restart.
   */
  apply(
    event: SupervisorEvent,
    now: Date,
  ): { changed: boolean; retryAfterMs?: number; backAfterRestart?: boolean } {
    const { name, state, fields } = event;
    if (state === 'STARTING') {
      const from = fields.from_state;
      if (from === 'STOPPED') {
        // A command started it: a fresh count.
        this.fatalStreak.delete(name);
        this.automatic.delete(name);
        this.records[name] = { restarts: 0, lastRestartAt: null };
        return { changed: true };
      }
      if (from === 'EXITED' || from === 'BACKOFF' || from === 'FATAL') {
        this.automatic.add(name);
        const before = this.records[name]?.restarts ?? 0;
        this.records[name] = { restarts: before + 1, lastRestartAt: now.toISOString() };
        return { changed: true };
      }
      return { changed: false };
    }
    if (state === 'RUNNING') {
      // It stayed up past startsecs: the next give-up starts the cool-down from the beginning.
      this.fatalStreak.delete(name);
      return { changed: false, backAfterRestart: this.automatic.delete(name) };
    }
    if (state === 'FATAL') {
      const streak = (this.fatalStreak.get(name) ?? 0) + 1;
      this.fatalStreak.set(name, streak);
      return {
        changed: false,
        retryAfterMs: Math.min(COOL_DOWN_MAX_MS, COOL_DOWN_FIRST_MS * 2 ** (streak - 1)),
      };
    }
    return { changed: false };
  }
}
