import { describe, expect, it } from 'vitest';
import { redactText } from '../../../lib/logger.js';

const SECRET = 'S3cr3tV4lue';

describe('redactText', () => {
  // Every form the text patterns know, each of which must get past the one-scan pre-check as well.
  it.each([
    ['a bracketed auth key in a form body', `event=ONCRMDEALUPDATE&auth[access_token]=${SECRET}&auth[domain]=x`],
    ['a percent-encoded bracketed key', `auth%5Brefresh_token%5D=${SECRET}`],
    ['a placement key', `PLACEMENT=CRM_DEAL_DETAIL_TAB&AUTH_ID=${SECRET}`],
    ['an OAuth client secret in a query', `/oauth/token/?grant_type=refresh_token&client_secret=${SECRET}`],
    ['an OAuth code', `/install?code=${SECRET}&state=1`],
    ['a percent-encoded equals sign', `client_secret%3D${SECRET}`],
    ['a key in upper case', `EVENT_TOKEN=${SECRET}`],
    ['a JSON key', `{"refresh_token":"${SECRET}"}`],
    ['a JSON key inside a JSON string', `{"msg":"{\\"eventToken\\":\\"${SECRET}\\"}"}`],
    ['an inspected object', `{ applicationToken: '${SECRET}' }`],
    ['a bearer credential', `Authorization: Bearer ${SECRET}`],
    ['a basic credential', `authorization: basic ${SECRET}`],
    ['an API key header', `x-api-key: ${SECRET}`],
    ['an inbound webhook URL', `POST https://portal.example/rest/1/${SECRET}/crm.deal.get`],
  ])('strips %s', (_name, text) => {
    const redacted = redactText(text);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toContain('[redacted]');
  });

  it('returns a line without anything secret-shaped as it is', () => {
    const line = JSON.stringify({
      level: 30,
      method: 'POST',
      url: '/bitrix24/bizproc',
      route: '/bitrix24/bizproc',
      statusCode: 200,
      workflowId: 'robot:a1b2:GET_1C_PRICE:0f3c',
      msg: 'request completed',
    });
    expect(redactText(line)).toBe(line);
  });
});
