import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The 49,233 most common passwords of zxcvbn-ts's maintained list (all lower case), checked on
 * the server only so the frontend bundle stays small. Compared case-insensitively: capitalising
 * a common password does not make it any less likely to be guessed first.
 */
const COMMON = new Set(dictionary['passwords-common']);

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}
