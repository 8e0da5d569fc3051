import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Routes the Temporal SDK's own log lines (worker state, workflow and activity `log.*` calls) into our pino logger,
 * so the worker writes one JSON format with the same redaction. The task token is an opaque handle, not for logs.
 */
export function pinoSdkLogger(logger: Logger, level: keyof typeof PINO_METHOD = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const { taskToken: _taskToken, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    logger[PINO_METHOD[entry.level]](meta, entry.message);
  });
}
