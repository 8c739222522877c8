import { AppError } from '@echobase/infra/errors';
import type { AuthRepository, UserRow } from './auth.repository.js';
import type { LoginBody, RegisterBody } from './auth.schemas.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { RevocationList } from './revocations.js';
import type { AuthThrottle } from './throttle.js';
import type { SessionClaims, TokenService } from './tokens.js';

export interface SignedIn {
  user: { id: number; email: string };
  token: string;
}

export function createAuthService(deps: {
  repo: AuthRepository;
  tokens: TokenService;
  throttle: AuthThrottle;
  revoked: RevocationList;
}) {
  const { repo, tokens, throttle, revoked } = deps;

  function signIn(user: { id: number; email: string }): SignedIn {
    return { user, token: tokens.issue(user).token };
  }

  return {
    async register(input: RegisterBody, clientIp: string): Promise<SignedIn> {
      await throttle.register(clientIp);
      const hash = await hashPassword(input.password);
      const id = await repo.insertUser(input.email, hash);
      if (id === null) throw new AppError('conflict', 'an account with this email already exists');
      return signIn({ id, email: input.email });
    },

    async login(input: LoginBody, clientIp: string): Promise<SignedIn> {
      await throttle.take(input.email, clientIp);
      let user: UserRow | null;
      try {
        user = await repo.findUserByEmail(input.email);
      } catch (error) {
        await throttle.giveBack(input.email, clientIp);
        throw error;
      }
      // Always one hash verification, found or not: the answer takes the same time either way.
      const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
      if (!user || !ok) throw new AppError('unauthenticated', 'wrong email or password');
      await throttle.succeeded(input.email, clientIp);
      return signIn({ id: user.id, email: user.email });
    },

    async logout(session: SessionClaims): Promise<void> {
      await revoked.revoke(session);
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
