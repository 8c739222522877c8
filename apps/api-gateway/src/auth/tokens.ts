import { createSecretKey, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const SESSION_COOKIE = 'echobase_session';
const ISSUER = 'echobase';
const AUDIENCE = 'echobase-web';
/** Pinned: a token signed any other way (including `alg: none`) is rejected. */
const ALGORITHM = 'HS256';
const VERIFIED_CACHE_SIZE = 10_000;

export interface SessionClaims {
  userId: number;
  email: string;
  /** The session id: logout revokes it. */
  sid: string;
  expiresAt: number;
}

export interface TokenService {
  issue(user: { id: number; email: string }): { token: string; claims: SessionClaims };
  /** The claims of a valid token, or null for anything else (tampered, expired, wrong alg…). */
  verify(token: string): SessionClaims | null;
  readonly ttlSeconds: number;
}

export function createTokenService(signingKey: string, ttlSeconds: number): TokenService {
  // A KeyObject once, not the string on every call: given a string, jsonwebtoken first tries
  // to parse it as a public key, and that failed attempt cost 40% of the CPU of a GET.
  const key = createSecretKey(Buffer.from(signingKey, 'utf8'));
  // Tokens already verified, until they expire: a signed-in user's every request would
  // otherwise pay for the HMAC and the JSON parsing again. Revocation is checked separately,
  // on every request.
  const verified = new Map<string, SessionClaims>();
  return {
    ttlSeconds,
    issue(user) {
      const sid = randomBytes(16).toString('base64url');
      // One clock reading for the token and the claims returned: read twice, a second could
      // pass between them and the claims would not be the token's.
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = jwt.sign({ email: user.email, sid, iat: issuedAt }, key, {
        algorithm: ALGORITHM,
        subject: String(user.id),
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: ttlSeconds,
      });
      const expiresAt = issuedAt + ttlSeconds;
      return { token, claims: { userId: user.id, email: user.email, sid, expiresAt } };
    },
    verify(token) {
      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAt > Date.now() / 1000) return cached;
        verified.delete(token);
        return null;
      }
      const claims = verifySignature(token);
      if (claims) {
        if (verified.size >= VERIFIED_CACHE_SIZE)
          verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
      }
      return claims;
    },
  };

  function verifySignature(token: string): SessionClaims | null {
    try {
      const payload = jwt.verify(token, key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      if (typeof payload === 'string') return null;
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0) return null;
      if (typeof payload.sid !== 'string' || typeof payload.email !== 'string') return null;
      // jsonwebtoken checks exp only when present; a token without one would live forever, so
      // every session token must say when it was issued and when it ends.
      if (!Number.isFinite(payload.exp) || !Number.isFinite(payload.iat)) return null;
      return { userId, email: payload.email, sid: payload.sid, expiresAt: payload.exp as number };
    } catch {
      return null;
    }
  }
}
