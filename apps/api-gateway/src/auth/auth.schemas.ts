import { z } from 'zod';
import { isCommonPassword } from './common-passwords.js';

export const email = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an email address' }));

/**
 * The rule for a new password, stated once: the schema below checks it and the OpenAPI document
 * is derived from it. The register page shows the same rules live (frontend lib/password.ts);
 * only the server checks the common-password list.
 */
const PASSWORD_LENGTH = { min: 12, max: 128 } as const;
const PASSWORD_MUST_CONTAIN = [
  { what: 'a letter', pattern: /\p{L}/u },
  { what: 'a digit', pattern: /\p{N}/u },
] as const;
const COMMON_PASSWORD = 'is one of the most commonly used passwords; choose another';

export const newPassword = PASSWORD_MUST_CONTAIN.reduce(
  (schema, rule) => schema.regex(rule.pattern, `must contain ${rule.what}`),
  z
    .string({ error: 'must be a string' })
    .min(PASSWORD_LENGTH.min, `must be at least ${PASSWORD_LENGTH.min} characters`)
    .max(PASSWORD_LENGTH.max, `must be at most ${PASSWORD_LENGTH.max} characters`),
)
  .refine((password) => !isCommonPassword(password), COMMON_PASSWORD)
  .meta({
    description: `${PASSWORD_LENGTH.min}–${PASSWORD_LENGTH.max} characters with ${PASSWORD_MUST_CONTAIN.map((r) => r.what).join(' and ')}, and not one of the most commonly used passwords`,
    // One JSON Schema pattern (unanchored, Unicode) for all the "must contain" rules: a
    // lookahead each. Without it the generator shows only the first regex.
    pattern: `^${PASSWORD_MUST_CONTAIN.map((r) => `(?=[\\s\\S]*${r.pattern.source})`).join('')}`,
  });

export const registerBody = z.object({ email, password: newPassword }).strict();
export type RegisterBody = z.infer<typeof registerBody>;

export const loginBody = z
  .object({
    email,
    password: z
      .string({ error: 'must be a string' })
      .min(1, 'is required')
      .max(128, 'must be at most 128 characters'),
  })
  .strict();
export type LoginBody = z.infer<typeof loginBody>;

export const userResponse = z.object({ id: z.number().int(), email: z.string() });
export const sessionResponse = z.object({ user: userResponse, csrfToken: z.string() });
export const csrfResponse = z.object({ csrfToken: z.string() });
