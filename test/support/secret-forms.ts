import { randomBytes } from 'node:crypto';

/** A fresh, recognisable secret value; every test records the ones it handed out and looks for each in the logs. */
export function newSecret(): string {
  return `S3CR3T${randomBytes(8).toString('hex')}`;
}

/** Query-string and form-body fragments that carry a secret, as Bitrix24, OAuth and our callers write them. */
export const FORM_FRAGMENTS: Record<string, (secret: string) => string> = {
  'auth[access_token]': (s) => `auth[access_token]=${s}`,
  'auth%5Baccess_token%5D': (s) => `auth%5Baccess_token%5D=${s}`,
  'auth%5Brefresh_token%5D': (s) => `auth%5Brefresh_token%5D=${s}`,
  'auth%5Bapplication_token%5D': (s) => `auth%5Bapplication_token%5D=${s}`,
  AUTH_ID: (s) => `AUTH_ID=${s}`,
  REFRESH_ID: (s) => `REFRESH_ID=${s}`,
  APPLICATION_TOKEN: (s) => `APPLICATION_TOKEN=${s}`,
  refresh_token: (s) => `refresh_token=${s}`,
  client_secret: (s) => `client_secret=${s}`,
  access_token: (s) => `access_token=${s}`,
  auth: (s) => `auth=${s}`,
};

/** JSON bodies that carry a secret. */
export const JSON_BODIES: Record<string, (secret: string) => unknown> = {
  'json auth.access_token': (s) => ({ auth: { access_token: s, application_token: s } }),
  'json auth': (s) => ({ auth: s }),
  'json refresh_token': (s) => ({ refresh_token: s, client_secret: s }),
  'json AUTH_ID': (s) => ({ AUTH_ID: s, REFRESH_ID: s, APPLICATION_TOKEN: s }),
};

/** Request headers that carry a secret. */
export const SECRET_HEADERS: Record<string, (secret: string) => Record<string, string>> = {
  bearer: (s) => ({ authorization: `Bearer ${s}` }),
  'x-api-key': (s) => ({ 'x-api-key': s }),
};

/** Each form as free text an error message might quote: the fragments, the JSON, and the headers as written. */
export function secretTexts(secret: () => string): string[] {
  return [
    ...Object.values(FORM_FRAGMENTS).map((fragment) => `POST https://portal.example/rest/crm.deal.get?${fragment(secret())}&x=1`),
    ...Object.values(FORM_FRAGMENTS).map((fragment) => `body ${fragment(secret())}`),
    ...Object.values(JSON_BODIES).map((body) => `answered ${JSON.stringify(body(secret()))}`),
    `Authorization: Bearer ${secret()}`,
    `x-api-key: ${secret()}`,
  ];
}
