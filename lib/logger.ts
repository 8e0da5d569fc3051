import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino censors in every log line. Bitrix24 bodies carry tokens under `auth`, REST calls under `auth`
 * and `access_token`, refresh requests under `refresh_token` and `client_secret`.
 */
export const REDACTED_PATHS = [
  'auth',
  '*.auth',
  '*.*.auth',
  'access_token',
  'refresh_token',
  'application_token',
  'client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.application_token',
  '*.client_secret',
  '*.accessToken',
  '*.refreshToken',
  '*.applicationToken',
  'accessToken',
  'refreshToken',
  'applicationToken',
  'eventToken',
  '*.eventToken',
  'event_token',
  '*.event_token',
  // Two levels down: a credentials object inside a logged input (`{ call: { credentials: { accessToken } } }`).
  '*.*.access_token',
  '*.*.refresh_token',
  '*.*.application_token',
  '*.*.client_secret',
  '*.*.accessToken',
  '*.*.refreshToken',
  '*.*.applicationToken',
  '*.*.eventToken',
  '*.*.event_token',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}

/** Strips secrets out of free text (URLs with `auth=`, webhook codes) before it reaches a log or an error message. */
export function redactText(text: string): string {
  return text
    .replace(/([?&](?:auth|access_token|refresh_token|client_secret|code)=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/(\/rest\/\d+\/)[A-Za-z0-9]+/g, '$1[redacted]');
}
