import { describe, expect, it } from 'vitest';
import { newPassword } from './auth.schemas.js';

const messages = (password: string) =>
  newPassword.safeParse(password).error?.issues.map((i) => i.message) ?? [];

describe('new passwords', () => {
  it('accept a long password with a letter and a digit that is not a common one', () => {
    expect(messages('correct horse 42 battery')).toEqual([]);
    expect(messages('пароль-длинный-7')).toEqual([]);
  });

  it('name every rule a password breaks', () => {
    expect(messages('short 1')).toEqual(['must be at least 12 characters']);
    expect(messages('no digits at all here')).toEqual(['must contain a digit']);
    expect(messages('123456789012345')).toEqual(['must contain a letter']);
    expect(messages(`a1${'x'.repeat(127)}`)).toEqual(['must be at most 128 characters']);
  });

  it('refuse passwords on the common-password list, whatever their case', () => {
    for (const common of ['password1234', 'Password1234', 'QWERTY123456', '1qaz2wsx3edc'])
      expect(messages(common), common).toEqual([
        'is one of the most commonly used passwords; choose another',
      ]);
  });
});
