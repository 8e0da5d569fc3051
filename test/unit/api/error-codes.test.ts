import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, apiErrors } from '../../../api/errors.js';

describe('the ingress error catalogue', () => {
  it('holds only stable string codes, which the error factories and the metrics labels use', () => {
    for (const [name, code] of Object.entries(API_ERROR_CODES)) expect(code, name).toMatch(/^[A-Z][A-Z_]+$/);
    expect(apiErrors.installUnverified('app.info refused')).toMatchObject({ statusCode: 401, code: API_ERROR_CODES.unauthorized });
  });
});
