import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createTokenService } from './tokens.js';

const KEY = 'k'.repeat(64);
const tokens = createTokenService(KEY, 600);

describe('session tokens', () => {
  it('issue and verify round-trip the user and a fresh session id', () => {
    const a = tokens.issue({ id: 7, email: 'a@example.com' });
    const b = tokens.issue({ id: 7, email: 'a@example.com' });
    expect(tokens.verify(a.token)).toEqual(a.claims);
    expect(a.claims).toMatchObject({ userId: 7, email: 'a@example.com' });
    expect(a.claims.sid).not.toBe(b.claims.sid);
    expect(a.claims.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
  });

  it('reject expired, foreign, tampered, unsigned and wrongly addressed tokens', () => {
    const base = { issuer: 'echobase', audience: 'echobase-web', subject: '7' } as const;
    const claims = { email: 'a@example.com', sid: 's' };
    const good = tokens.issue({ id: 7, email: 'a@example.com' }).token;
    const [header, , signature] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...(jwt.decode(good) as object), sub: '1' }),
    ).toString('base64url');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${forgedPayload}.`;
    const rejected = [
      jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 }, KEY, base),
      jwt.sign(claims, 'another-key'.repeat(6), { ...base, expiresIn: 60 }),
      `${header}.${forgedPayload}.${signature}`,
      unsigned,
      jwt.sign(claims, KEY, { ...base, audience: 'someone-else', expiresIn: 60 }),
      jwt.sign(claims, KEY, { ...base, issuer: 'evil', expiresIn: 60 }),
      jwt.sign(claims, KEY, { ...base, algorithm: 'HS512', expiresIn: 60 }),
      jwt.sign(claims, KEY, { ...base, subject: 'not-a-number', expiresIn: 60 }),
      jwt.sign({ email: 'a@example.com' }, KEY, { ...base, expiresIn: 60 }),
      'garbage',
    ];
    for (const token of rejected) expect(tokens.verify(token), token).toBeNull();
  });
});

describe('verified-token cache', () => {
  it('never accepts a signed token without an expiry or an issue time, however often it is sent', () => {
    const base = { issuer: 'echobase', audience: 'echobase-web', subject: '7' } as const;
    const claims = { email: 'a@example.com', sid: 'no-expiry' };
    const noExp = jwt.sign(claims, KEY, base);
    const noIat = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }, KEY, {
      ...base,
      noTimestamp: true,
    });
    for (const token of [noExp, noIat])
      for (let i = 0; i < 4; i++) expect(tokens.verify(token), `${token} #${i}`).toBeNull();
  });

  it('stops accepting a cached token once it expires', async () => {
    const shortLived = createTokenService(KEY, 60);
    const { token } = shortLived.issue({ id: 3, email: 'c@example.com' });
    expect(shortLived.verify(token)).not.toBeNull();
    const now = Date.now;
    Date.now = () => now() + 61_000;
    try {
      expect(shortLived.verify(token)).toBeNull();
    } finally {
      Date.now = now;
    }
  });
});
