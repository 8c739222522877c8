import { describe, expect, it } from 'vitest';
import { newPassword } from './auth/auth.schemas.js';
import { buildOpenApi } from './openapi.js';

interface StringSchema {
  type: string;
  minLength: number;
  maxLength: number;
  pattern: string;
  description: string;
}

interface RegisterSchema {
  properties: { password: StringSchema };
}

describe('the OpenAPI document', () => {
  it('describes the whole password rule the API enforces', () => {
    const doc = buildOpenApi('test') as unknown as {
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: RegisterSchema }> } } }
      >;
    };
    const password =
      doc.paths['/api/v1/auth/register']?.post.requestBody.content['application/json']?.schema
        .properties.password;
    if (!password) throw new Error('no password property in the register body');
    expect(password).toMatchObject({ type: 'string', minLength: 12, maxLength: 128 });
    expect(password.description).toMatch(/letter/);
    expect(password.description).toMatch(/digit/);
    expect(password.description).toMatch(/common/);
    // JSON Schema patterns are ECMA-262 with Unicode semantics, and unanchored.
    const pattern = new RegExp(password.pattern, 'u');
    for (const sample of [
      'correct horse 42 battery',
      'пароль-длинный-7',
      'no digits at all here',
      '123456789012345',
      'line one 1\nline two',
      '\nnewline first then 7',
    ]) {
      expect(pattern.test(sample), sample).toBe(newPassword.safeParse(sample).success);
    }
  });

  it('lists 429 for register and login, which are throttled per client', () => {
    const doc = buildOpenApi('test') as unknown as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/login'])
      expect(Object.keys(doc.paths[path]?.post.responses ?? {}), path).toContain('429');
  });
});
