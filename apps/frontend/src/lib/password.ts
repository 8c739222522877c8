/**
 * The password rules the API enforces on register (apps/api-gateway auth.schemas.ts
 * `newPassword`): 12–128 characters, a letter and a digit, checked the same way.
 */
export interface PasswordRule {
  id: 'length' | 'letter' | 'digit';
  label: string;
  test: (password: string) => boolean;
}

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { id: 'length', label: '12–128 characters', test: (p) => p.length >= 12 && p.length <= 128 },
  { id: 'letter', label: 'Contains a letter', test: (p) => /\p{L}/u.test(p) },
  { id: 'digit', label: 'Contains a digit', test: (p) => /\p{N}/u.test(p) },
];

export function checkPassword(password: string): Record<PasswordRule['id'], boolean> {
  return Object.fromEntries(PASSWORD_RULES.map((rule) => [rule.id, rule.test(password)])) as Record<
    PasswordRule['id'],
    boolean
  >;
}

export function passwordIsValid(password: string): boolean {
  return PASSWORD_RULES.every((rule) => rule.test(password));
}

/** A light check before the server's: something@something, no spaces, at most 254 characters. */
export function looksLikeEmail(email: string): boolean {
  const trimmed = email.trim();
  return trimmed.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed);
}
