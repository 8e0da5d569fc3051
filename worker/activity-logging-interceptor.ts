import type { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure, CompleteAsyncError } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { redactText } from '../lib/logger.js';

export const ACTIVITY_OUTCOMES = {
  completed: 'completed',
  failed: 'failed',
  /** An expected, self-healing failure (ApplicationFailure category BENIGN): logged at debug. */
  benign: 'benign',
  cancelled: 'cancelled',
  /** The activity will be completed later from outside (CompleteAsyncError). */
  async: 'async',
} as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[keyof typeof ACTIVITY_OUTCOMES];

export interface ActivityAttemptReport {
  activityType: string;
  outcome: ActivityOutcome;
  durationMs: number;
}

interface FailureFields {
  outcome: ActivityOutcome;
  failureType?: string;
  retryable?: boolean;
  error?: string;
}

function describeFailure(error: unknown): FailureFields {
  if (error instanceof CompleteAsyncError) return { outcome: ACTIVITY_OUTCOMES.async };
  if (error instanceof CancelledFailure) return { outcome: ACTIVITY_OUTCOMES.cancelled };
  const message = redactText(error instanceof Error ? error.message : String(error)).slice(0, 500);
  if (error instanceof ApplicationFailure) {
    return {
      outcome: error.category === ApplicationFailureCategory.BENIGN ? ACTIVITY_OUTCOMES.benign : ACTIVITY_OUTCOMES.failed,
      failureType: error.type ?? 'ApplicationFailure',
      retryable: !error.nonRetryable,
      error: message,
    };
  }
  return { outcome: ACTIVITY_OUTCOMES.failed, failureType: error instanceof Error ? error.name : 'unknown', retryable: true, error: message };
}

/**
 * One log line per activity attempt (workflow id, activity type, attempt, outcome, duration) and the same facts to
 * `onAttempt` for metrics. Arguments and results are never logged: they carry tokens and personal data.
 */
export function createActivityLoggingInterceptor(deps: {
  logger: Logger;
  onAttempt?: (report: ActivityAttemptReport) => void;
}): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const startedAt = performance.now();
        const context = {
          workflowId: info.workflowExecution?.workflowId,
          runId: info.workflowExecution?.runId,
          workflowType: info.workflowType,
          activityType: info.activityType,
          activityId: info.activityId,
          attempt: info.attempt,
        };
        const finish = (fields: FailureFields) => {
          const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
          deps.onAttempt?.({ activityType: info.activityType, outcome: fields.outcome, durationMs });
          const line = { ...context, ...fields, durationMs };
          if (fields.outcome === ACTIVITY_OUTCOMES.failed) deps.logger.warn(line, 'activity attempt');
          else if (fields.outcome === ACTIVITY_OUTCOMES.benign) deps.logger.debug(line, 'activity attempt');
          else deps.logger.info(line, 'activity attempt');
        };
        try {
          const result = await next(input);
          finish({ outcome: ACTIVITY_OUTCOMES.completed });
          return result;
        } catch (error) {
          finish(describeFailure(error));
          throw error;
        }
      },
    },
  });
}
