import { describe, expect, it } from 'vitest';
import { PLACEMENT_ERROR_CODES } from '../../../api/placements/errors.js';
import { USER_CALL_QUERY_LIMIT_WAITS_MS, userRestCall } from '../../../api/placements/rest-calls.js';
import type { HttpReply, PostRequest, Transport } from '../../../integrations/bitrix24/transport.js';

const ENDPOINT = 'https://portal.example/rest/';
const QUERY_LIMIT: Omit<HttpReply, 'url'> = {
  status: 503,
  json: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
  durationMs: 1,
};

/** Answers the queued replies in order and keeps every request it was given. */
function scriptedTransport(replies: Omit<HttpReply, 'url'>[]): Transport & { requests: PostRequest[] } {
  const requests: PostRequest[] = [];
  return {
    requests,
    post(request) {
      requests.push(request);
      const next = replies.shift();
      if (next === undefined) throw new Error('no reply scripted');
      return Promise.resolve({ ...next, url: request.url });
    },
    close: () => Promise.resolve(),
  };
}

function recordedSleeps() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

describe('calls with the user token of a placement', () => {
  it('waits out a full bucket and answers with the result of the repeated call', async () => {
    const transport = scriptedTransport([QUERY_LIMIT, { status: 200, json: { result: { ID: '3' } }, durationMs: 1 }]);
    const { waits, sleep } = recordedSleeps();
    const call = userRestCall(transport, ENDPOINT, 'user-token', sleep);

    await expect(call('user.current')).resolves.toEqual({ ID: '3' });
    expect(waits).toEqual([USER_CALL_QUERY_LIMIT_WAITS_MS[0]]);
    expect(transport.requests.map((request) => request.url)).toEqual([`${ENDPOINT}user.current`, `${ENDPOINT}user.current`]);
  });

  it('says Bitrix24 is unavailable once the bucket stays full through every wait', async () => {
    const transport = scriptedTransport([QUERY_LIMIT, QUERY_LIMIT, QUERY_LIMIT]);
    const { waits, sleep } = recordedSleeps();
    const call = userRestCall(transport, ENDPOINT, 'user-token', sleep);

    await expect(call('user.current')).rejects.toMatchObject({ code: PLACEMENT_ERROR_CODES.portalUnavailable, statusCode: 502 });
    expect(waits).toEqual([...USER_CALL_QUERY_LIMIT_WAITS_MS]);
    expect(transport.requests).toHaveLength(USER_CALL_QUERY_LIMIT_WAITS_MS.length + 1);
  });

  it('does not repeat any other refusal', async () => {
    const transport = scriptedTransport([{ status: 403, json: { error: 'ACCESS_DENIED', error_description: 'Access denied' }, durationMs: 1 }]);
    const { waits, sleep } = recordedSleeps();
    const call = userRestCall(transport, ENDPOINT, 'user-token', sleep);

    await expect(call('crm.item.get', { entityTypeId: 2, id: 7 })).rejects.toMatchObject({ code: PLACEMENT_ERROR_CODES.forbidden });
    expect(waits).toEqual([]);
    expect(transport.requests).toHaveLength(1);
  });
});
