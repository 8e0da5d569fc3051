import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Names under which Bitrix24 and our own code carry secrets: the `auth` block of robot calls and events
 * (`access_token`, `refresh_token`, `application_token`), placement calls (`AUTH_ID`, `REFRESH_ID`,
 * `APPLICATION_TOKEN`), REST calls (`auth`), OAuth refreshes (`client_secret`, `refresh_token`), our camelCase copies,
 * and event tokens (which let their holder answer a waiting robot).
 */
const SECRET_KEYS = [
  'auth',
  'access_token',
  'refresh_token',
  'application_token',
  'client_secret',
  'event_token',
  'AUTH_ID',
  'REFRESH_ID',
  'APPLICATION_TOKEN',
  'accessToken',
  'refreshToken',
  'applicationToken',
  'clientSecret',
  'eventToken',
] as const;

/** Paths pino censors in every log line: each secret key at the top and up to two levels down, and secret headers. */
export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `auth[access_token]`, `auth%5Baccess_token%5D` (either case): the PHP-bracket names of the auth block's secrets. */
const BRACKETED = String.raw`auth(?:\[|%5B)(?:access_token|refresh_token|application_token)(?:\]|%5D)`;
const PLAIN = SECRET_KEYS.map(escapeRegExp).join('|');

const TEXT_PATTERNS: readonly [RegExp, string][] = [
  // Query strings and form bodies: `name=value` up to the next separator, `=` possibly percent-encoded.
  // A backslash ends the value too: inside a serialized JSON line it starts the escaped closing quote.
  [new RegExp(String.raw`(^|[^A-Za-z0-9_%])(${BRACKETED}|${PLAIN}|code)(=|%3D)[^&\s"'<>\\]+`, 'gi'), '$1$2$3[redacted]'],
  // JSON and inspected objects: `"name": "value"`, `\"name\":\"value\"` inside a JSON string, `name: 'value'`.
  [new RegExp(String.raw`(\\*["']?(?:${BRACKETED}|${PLAIN})\\*["']?\s*:\s*\\*["'])[^"'\\]+`, 'gi'), '$1[redacted]'],
  // Authorization headers quoted in text.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, '$1 [redacted]'],
  [/(x-api-key\\*["']?\s*[:=]\s*\\*["']?)[^\s"',}\\]+/gi, '$1[redacted]'],
  // Inbound webhook URLs: /rest/{user id}/{code}/ — the code is the secret.
  [/(\/rest\/\d+\/)[A-Za-z0-9]+/g, '$1[redacted]'],
];

/**
 * Strips secrets out of free text before it reaches a log or an error message: query strings and form bodies
 * (`auth[access_token]=`, `auth%5Brefresh_token%5D=`, `AUTH_ID=`, `client_secret=`, ...), JSON (`"refresh_token":"..."`),
 * bearer and basic credentials, and webhook codes.
 */
export function redactText(text: string): string {
  let redacted = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

/**
 * The last line of defence: every serialized line passes through redactText on its way out, so a secret inside a
 * message, an error text or a stack is caught even where no path names it.
 */
export function redactingDestination(destination: DestinationStream = pino.destination({ dest: 1, sync: true })): DestinationStream {
  return { write: (line: string) => destination.write(redactText(line)) };
}

/** Pino with both safety nets: censored paths, and text redaction of every line written to `destination`. Level: `options.level` (LOG_LEVEL), else info. */
export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...options,
    },
    redactingDestination(destination),
  );
}
