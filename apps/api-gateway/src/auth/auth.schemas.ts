import { z } from 'zod';

export const email = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an email address' }));

/** The rules the register page shows live: 12–128 characters, a letter and a digit. */
export const newPassword = z
  .string({ error: 'must be a string' })
  .min(12, 'must be at least 12 characters')
  .max(128, 'must be at most 128 characters')
  .regex(/\p{L}/u, 'must contain a letter')
  .regex(/\p{N}/u, 'must contain a digit');

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
