import { describe, expect, it } from 'vitest';
import { checkPassword, looksLikeEmail, passwordIsValid } from './password';

describe('password rules (as the API checks them)', () => {
  it('needs 12 to 128 characters', () => {
    expect(checkPassword('abcdefghij1').length).toBe(false);
    expect(checkPassword('abcdefghijk1').length).toBe(true);
    expect(checkPassword(`a1${'x'.repeat(126)}`).length).toBe(true);
    expect(checkPassword(`a1${'x'.repeat(127)}`).length).toBe(false);
  });

  it('needs a letter and a digit, in any script', () => {
    expect(checkPassword('123456789012')).toEqual({ length: true, letter: false, digit: true });
    expect(checkPassword('abcdefghijkl')).toEqual({ length: true, letter: true, digit: false });
    expect(passwordIsValid('пароль-длинный-7')).toBe(true);
    expect(passwordIsValid('correct horse 1')).toBe(true);
    expect(passwordIsValid('correct horse')).toBe(false);
  });

  it('checks an email address lightly before the server does', () => {
    expect(looksLikeEmail(' ada@example.com ')).toBe(true);
    expect(looksLikeEmail('ada@example')).toBe(false);
    expect(looksLikeEmail('ada example.com')).toBe(false);
  });
});
