import { BITRIX24_FAILURES } from '../../contracts/failures/bitrix24.js';

/**
 * Label values must stay few and must never carry a secret, so every value from the outside passes through one of
 * these: a value is kept only when it is a known code or has the shape of a name, never the shape of a token.
 */
export const OTHER_LABEL = 'other';
export const NO_ERROR_LABEL = 'none';

/**
 * REST method names are dotted identifiers (`crm.deal.get`) or one short word (`batch`, `profile`); tokens are long
 * runs of hex digits without dots, so they match neither.
 */
const REST_METHOD = /^(?:[a-z_]{1,16}|[a-z][a-z0-9_]{0,40}(?:\.[a-z0-9_]{1,40}){1,6})$/i;

const KNOWN_BITRIX24_CODES = new Set<string>(Object.keys(BITRIX24_FAILURES.policies));

/** Method-specific codes (ERROR_CORE, ERROR_ACTIVITY_ALREADY_INSTALLED) are upper snake case and short. */
const METHOD_SPECIFIC_CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+){1,6}$/;

export function restMethodLabel(method: string): string {
  return REST_METHOD.test(method) ? method.toLowerCase() : OTHER_LABEL;
}

export function bitrix24ErrorLabel(code: string | undefined): string {
  if (code === undefined || code === '') return NO_ERROR_LABEL;
  if (KNOWN_BITRIX24_CODES.has(code)) return code;
  return METHOD_SPECIFIC_CODE.test(code) && code.length <= 48 ? code : OTHER_LABEL;
}

/** `2xx`, `4xx`, ...; `0` means no HTTP answer at all. */
export function statusClass(status: number): string {
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

/** Workflow and activity type names come from our code, but keep the shape check as a guard. */
export function identifierLabel(value: string | undefined): string {
  return value !== undefined && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(value) ? value : OTHER_LABEL;
}

/** Portal hosts (`example.bitrix24.com`, `crm.example.ru:8443`): a host name shape, or `other`. */
export function portalLabel(host: string | undefined): string {
  return host !== undefined && /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/i.test(host)
    ? host.toLowerCase()
    : OTHER_LABEL;
}
