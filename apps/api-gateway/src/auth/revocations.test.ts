import { createLogger } from '@echobase/infra/logger';
import { describe, expect, it, vi } from 'vitest';
import { createRevocationList } from './revocations.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const session = (sid: string) => ({
  userId: 1,
  email: 'a@example.com',
  sid,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
});
const unreachable = () =>
  Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function fakeRepo() {
  let down = false;
  const saved = new Set<string>();
  return {
    saved,
    setDown(value: boolean) {
      down = value;
    },
    revokeSession: vi.fn(async (sid: string) => {
      if (down) throw unreachable();
      saved.add(sid);
    }),
    revokedSince: vi.fn(async (_since: Date | null) => {
      if (down) throw unreachable();
      return { now: new Date('2026-01-01T00:10:00Z'), rows: [] };
    }),
  };
}

describe('revocation list', () => {
  it('ends a session at once during a database outage and writes it when the database is back', async () => {
    const repo = fakeRepo();
    const list = createRevocationList(repo, logger);
    repo.setDown(true);
    await list.revoke(session('s1'));
    expect(list.has('s1')).toBe(true);
    await list.refresh();
    expect(repo.saved.has('s1')).toBe(false);
    repo.setDown(false);
    await list.refresh();
    expect(repo.saved.has('s1')).toBe(true);
    await list.refresh();
    expect(repo.revokeSession).toHaveBeenCalledTimes(3);
  });

  it('reports a fault other than an unreachable database instead of answering success', async () => {
    const repo = fakeRepo();
    repo.revokeSession.mockRejectedValueOnce(new Error("Table 'revoked_sessions' doesn't exist"));
    const list = createRevocationList(repo, logger);
    await expect(list.revoke(session('s2'))).rejects.toThrow(/doesn't exist/);
  });

  it('reads everything first, then from the last database time less an overlap', async () => {
    const repo = fakeRepo();
    const list = createRevocationList(repo, logger);
    await list.refresh();
    await list.refresh();
    expect(repo.revokedSince.mock.calls.map(([since]) => since)).toEqual([
      null,
      new Date('2026-01-01T00:09:00Z'),
    ]);
  });
});
