import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { BITRIX24_ERROR_CODES } from '../../../contracts/failures/bitrix24.js';
import {
  Bitrix24Error,
  classifyBitrix24Error,
  toApplicationFailure,
} from '../../../integrations/bitrix24/errors.js';

// Expected decision per code, written out independently of the catalogue (b24restdocs _includes/system-errors.md, settings/oauth/error-codes.md).
const EXPECTED: Record<string, { status: number; retryable: boolean }> = {
  INTERNAL_SERVER_ERROR: { status: 500, retryable: true },
  ERROR_UNEXPECTED_ANSWER: { status: 500, retryable: true },
  QUERY_LIMIT_EXCEEDED: { status: 503, retryable: true },
  ERROR_BATCH_METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  ERROR_BATCH_LENGTH_EXCEEDED: { status: 400, retryable: false },
  NO_AUTH_FOUND: { status: 401, retryable: false },
  INVALID_REQUEST: { status: 400, retryable: false },
  OVERLOAD_LIMIT: { status: 503, retryable: true },
  ACCESS_DENIED: { status: 403, retryable: false },
  INVALID_CREDENTIALS: { status: 403, retryable: false },
  ERROR_MANIFEST_IS_NOT_AVAILABLE: { status: 404, retryable: false },
  insufficient_scope: { status: 403, retryable: false },
  expired_token: { status: 401, retryable: true },
  user_access_error: { status: 403, retryable: false },
  PORTAL_DELETED: { status: 500, retryable: false },
  OPERATION_TIME_LIMIT: { status: 429, retryable: true },
  ERROR_METHOD_NOT_FOUND: { status: 404, retryable: false },
  WRONG_AUTH_TYPE: { status: 403, retryable: false },
  PAYMENT_REQUIRED: { status: 402, retryable: false },
  invalid_token: { status: 401, retryable: false },
  NOT_FOUND: { status: 400, retryable: false },
  invalid_grant: { status: 400, retryable: false },
  invalid_client: { status: 400, retryable: false },
  invalid_request: { status: 400, retryable: false },
  invalid_scope: { status: 400, retryable: false },
  wrong_client: { status: 400, retryable: false },
};

describe('classifyBitrix24Error', () => {
  it('covers exactly the documented codes', () => {
    expect([...BITRIX24_ERROR_CODES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s → retryable=%j', (code, { status, retryable }) => {
    const classification = classifyBitrix24Error({ code, status });
    expect(classification.type).toBe(`Bitrix24.${code}`);
    expect(classification.retryable).toBe(retryable);
  });

  it('branches on the code, not the status: PORTAL_DELETED is final despite HTTP 500', () => {
    expect(classifyBitrix24Error({ code: 'PORTAL_DELETED', status: 500 }).retryable).toBe(false);
    expect(classifyBitrix24Error({ code: 'NOT_FOUND', status: 400 }).retryable).toBe(false);
  });

  it('treats an empty code with HTTP 400 (crm.deal.*) as a final BAD_REQUEST', () => {
    expect(classifyBitrix24Error({ code: '', status: 400 })).toMatchObject({
      type: 'Bitrix24.BAD_REQUEST',
      retryable: false,
    });
  });

  it('retries 5xx without a code, and gives up on other 4xx without one', () => {
    expect(classifyBitrix24Error({ code: '', status: 502 })).toMatchObject({
      type: 'Bitrix24.SERVER_ERROR',
      retryable: true,
    });
    expect(classifyBitrix24Error({ status: 404 })).toMatchObject({ type: 'Bitrix24.HTTP_ERROR', retryable: false });
  });

  it('keeps method-specific codes as their own type, retrying only server-side ones', () => {
    expect(classifyBitrix24Error({ code: 'ERROR_ACTIVITY_ALREADY_INSTALLED', status: 400 })).toMatchObject({
      type: 'Bitrix24.ERROR_ACTIVITY_ALREADY_INSTALLED',
      retryable: false,
    });
    expect(classifyBitrix24Error({ code: 'weird code <script>', status: 400 }).type).toBe('Bitrix24.UNKNOWN');
    expect(classifyBitrix24Error({ code: 'SOME_DB_FAILURE', status: 500 }).retryable).toBe(true);
  });

  it('delays OPERATION_TIME_LIMIT until operating_reset_at, or 10 minutes without it', () => {
    const nowMs = 1_700_000_000_000;
    const withReset = classifyBitrix24Error({
      code: 'OPERATION_TIME_LIMIT',
      status: 429,
      time: { operating: 481, operating_reset_at: nowMs / 1000 + 95 },
      nowMs,
    });
    expect(withReset.retryDelayMs).toBe(95_000);
    expect(withReset.benign).toBe(true);
    expect(classifyBitrix24Error({ code: 'OPERATION_TIME_LIMIT', status: 429 }).retryDelayMs).toBe(600_000);
  });
});

describe('toApplicationFailure', () => {
  it('carries type, nonRetryable, delay and category', () => {
    const limited = toApplicationFailure(
      new Bitrix24Error({
        code: 'QUERY_LIMIT_EXCEEDED',
        status: 503,
        description: 'Too many requests',
        method: 'crm.item.get',
      }),
    );
    expect(limited).toBeInstanceOf(ApplicationFailure);
    expect(limited.type).toBe('Bitrix24.QUERY_LIMIT_EXCEEDED');
    expect(limited.nonRetryable).toBe(false);
    expect(limited.nextRetryDelay).toBe(1_000);
    expect(limited.category).toBe(ApplicationFailureCategory.BENIGN);

    const denied = toApplicationFailure(
      new Bitrix24Error({
        code: 'ACCESS_DENIED',
        status: 403,
        description: 'Access denied!',
        method: 'bizproc.event.send',
      }),
    );
    expect(denied.nonRetryable).toBe(true);
    expect(denied.nextRetryDelay).toBeUndefined();
    expect(denied.message).toBe('Bitrix24 bizproc.event.send: ACCESS_DENIED - Access denied!');
  });

  it('returns anything that is not a Bitrix24Error unchanged', () => {
    const cancelled = new DOMException('aborted', 'AbortError');
    expect(toApplicationFailure(cancelled)).toBe(cancelled);
  });

  it('redacts secrets echoed in a description', () => {
    const error = new Bitrix24Error({
      code: '',
      status: 400,
      description: 'bad url https://p.bitrix24.com/rest/1/s3cr3tw3bh00k/crm.deal.get?auth=tok3n-value',
      method: 'crm.deal.get',
    });
    expect(error.message).not.toContain('s3cr3tw3bh00k');
    expect(error.message).not.toContain('tok3n-value');
    expect(error.type).toBe('Bitrix24.BAD_REQUEST');
  });
});
