import { describe, expect, it } from 'vitest';
import {
  COOL_DOWN_FIRST_MS,
  COOL_DOWN_MAX_MS,
  EventReader,
  RestartBook,
  type SupervisorEvent,
} from './supervisor-events.js';

/** An event as supervisord writes it to a listener's stdin: header line, then the payload. */
function wire(eventname: string, payload: string): Buffer {
  return Buffer.from(
    `ver:3.0 server:supervisor serial:21 pool:echobase-events poolserial:10 eventname:${eventname} len:${Buffer.byteLength(payload)}\n${payload}`,
  );
}

const event = (state: string, name: string, fields: Record<string, string> = {}) =>
  ({ name, state, fields: { processname: name, ...fields } }) as SupervisorEvent;

describe('supervisor event listener', () => {
  it('reads events split anywhere across chunks, and several in one chunk', () => {
    const reader = new EventReader();
    const one = wire(
      'PROCESS_STATE_EXITED',
      'processname:blue-api groupname:blue-api from_state:RUNNING expected:0 pid:2766',
    );
    const two = wire(
      'PROCESS_STATE_STARTING',
      'processname:blue-api groupname:blue-api from_state:EXITED tries:0',
    );
    expect(reader.push(one.subarray(0, 10))).toEqual([]);
    expect(reader.push(one.subarray(10, one.length - 3))).toEqual([]);
    const events = reader.push(Buffer.concat([one.subarray(one.length - 3), two]));
    expect(events).toEqual([
      {
        name: 'blue-api',
        state: 'EXITED',
        fields: {
          processname: 'blue-api',
          groupname: 'blue-api',
          from_state: 'RUNNING',
          expected: '0',
          pid: '2766',
        },
      },
      {
        name: 'blue-api',
        state: 'STARTING',
        fields: {
          processname: 'blue-api',
          groupname: 'blue-api',
          from_state: 'EXITED',
          tries: '0',
        },
      },
    ]);
  });

  it('counts a start after an exit, a failed start or a give-up, and resets on a command', () => {
    const book = new RestartBook();
    const at = new Date('2026-12-01T12:00:00Z');
    expect(book.apply(event('STARTING', 'aws', { from_state: 'STOPPED' }), at).changed).toBe(true);
    expect(book.records.aws).toEqual({ restarts: 0, lastRestartAt: null });
    for (const from of ['EXITED', 'BACKOFF', 'FATAL'])
      book.apply(event('STARTING', 'aws', { from_state: from }), at);
    expect(book.records.aws).toEqual({ restarts: 3, lastRestartAt: at.toISOString() });
    // Other states change no count.
    expect(book.apply(event('EXITED', 'aws', { expected: '0' }), at).changed).toBe(false);
    expect(book.records.aws?.restarts).toBe(3);
    book.apply(event('STARTING', 'aws', { from_state: 'STOPPED' }), at);
    expect(book.records.aws?.restarts).toBe(0);
  });

  it('tells when a program runs again after an automatic restart, not after a command', () => {
    const book = new RestartBook();
    const at = new Date();
    book.apply(event('STARTING', 'aws', { from_state: 'STOPPED' }), at);
    expect(book.apply(event('RUNNING', 'aws'), at).backAfterRestart).toBe(false);
    book.apply(event('STARTING', 'aws', { from_state: 'EXITED' }), at);
    expect(book.apply(event('RUNNING', 'aws'), at).backAfterRestart).toBe(true);
    // Once per restart.
    expect(book.apply(event('RUNNING', 'aws'), at).backAfterRestart).toBe(false);
  });

  it('retries after a give-up with a cool-down that doubles up to its cap, reset by a good run', () => {
    const book = new RestartBook();
    const at = new Date();
    const delays = Array.from(
      { length: 7 },
      () => book.apply(event('FATAL', 'blue-api'), at).retryAfterMs,
    );
    expect(delays).toEqual([
      COOL_DOWN_FIRST_MS,
      COOL_DOWN_FIRST_MS * 2,
      COOL_DOWN_FIRST_MS * 4,
      COOL_DOWN_FIRST_MS * 8,
      COOL_DOWN_FIRST_MS * 16,
      COOL_DOWN_MAX_MS,
      COOL_DOWN_MAX_MS,
    ]);
    book.apply(event('RUNNING', 'blue-api'), at);
    expect(book.apply(event('FATAL', 'blue-api'), at).retryAfterMs).toBe(COOL_DOWN_FIRST_MS);
    // Each program has its own streak.
    expect(book.apply(event('FATAL', 'green-api'), at).retryAfterMs).toBe(COOL_DOWN_FIRST_MS);
  });
});
