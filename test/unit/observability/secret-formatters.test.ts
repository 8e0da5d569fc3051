import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { censorLogObject, withSecretCensoring } from '../../../lib/logger.js';

/** Pino with only the key censoring (no text pass on the line), so what is asserted is that net's own work. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(withSecretCensoring({ level: 'info' }), { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('secret keys are censored in log objects and bindings', () => {
  it('censors a secret key at the top and one and two levels down, whatever its value', () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      {
        access_token: 'top-secret',
        auth: { member_id: 'member-1', access_token: 'in-auth' },
        call: { memberId: 'member-1', eventToken: 'token-1', auth: { refresh_token: 'deep' }, nested: { accessToken: 'two-down' } },
        AUTH_ID: 12345,
      },
      'delivery',
    );
    expect(lines[0]).toMatchObject({
      access_token: '[redacted]',
      auth: '[redacted]',
      call: { memberId: 'member-1', eventToken: '[redacted]', auth: '[redacted]', nested: { accessToken: '[redacted]' } },
      AUTH_ID: '[redacted]',
      msg: 'delivery',
    });
  });

  it('censors authorization and x-api-key under any headers object, and enters arrays', () => {
    const { logger, lines } = capturingLogger();
    logger.info({
      request: { headers: { authorization: 'Bearer abc', 'x-api-key': 'key-1', accept: 'application/json' } },
      rows: [{ id: 1, refreshToken: 'row-secret' }],
    });
    expect(lines[0]).toMatchObject({
      request: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' } },
      rows: [{ id: 1, refreshToken: '[redacted]' }],
    });
  });

  it("censors secret keys at the top of a child logger's bindings", () => {
    const { logger, lines } = capturingLogger();
    logger.child({ memberId: 'member-1', applicationToken: 'app-token' }).child({ auth: { access_token: 'a' } }).info('bound');
    expect(lines[0]).toMatchObject({ memberId: 'member-1', applicationToken: '[redacted]', auth: '[redacted]', msg: 'bound' });
  });

  it('keeps an error serializable (type, message, stack) while censoring its own secret fields', () => {
    const { logger, lines } = capturingLogger();
    const error = Object.assign(new TypeError('refresh failed'), { client_secret: 'oauth-secret', status: 401 });
    logger.error({ err: error }, 'oauth');
    expect(lines[0]?.err).toMatchObject({ type: 'TypeError', message: 'refresh failed', client_secret: '[redacted]', status: 401 });
    expect(String((lines[0]?.err as { stack?: unknown }).stack)).toContain('refresh failed');
    expect(error.client_secret).toBe('oauth-secret');
  });

  it("never changes the caller's objects, and returns the same object when there is nothing to censor", () => {
    const input = { call: { auth: { access_token: 'keep-for-the-caller' } }, list: [{ eventToken: 'e' }] };
    const censored = censorLogObject(input);
    expect(censored).toEqual({ call: { auth: '[redacted]' }, list: [{ eventToken: '[redacted]' }] });
    expect(input.call.auth.access_token).toBe('keep-for-the-caller');
    expect(input.list[0]?.eventToken).toBe('e');
    const clean = { route: '/bitrix24/bizproc', statusCode: 200, nested: { workflowId: 'w' } };
    expect(censorLogObject(clean)).toBe(clean);
  });
});
