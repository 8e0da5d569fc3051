import { Context, log } from '@temporalio/activity';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface CompleteRobotInput {
  memberId: string;
  eventToken: string;
  returnValues: Record<string, unknown>;
  logMessage: string;
}

export interface RobotProgressInput {
  memberId: string;
  eventToken: string;
  message: string;
}

/**
 * The shared completion of every robot and BP activity (docs/architecture.md).
 * ACCESS_DENIED from bizproc.event.send means Bitrix24 is no longer waiting for this token: that is terminal and is
 * reported as `delivered: false`, never retried. Every other failure follows the Bitrix24 error catalogue.
 */
export function createRobotCompletionActivities(deps: { bitrix24: Bitrix24Caller }) {
  return {
    async completeRobot(input: CompleteRobotInput): Promise<{ delivered: boolean }> {
      try {
        await deps.bitrix24.call(
          input.memberId,
          'bizproc.event.send',
          { EVENT_TOKEN: input.eventToken, RETURN_VALUES: input.returnValues, LOG_MESSAGE: input.logMessage },
          // A business process is waiting on this answer: it goes ahead of bookkeeping calls queued for the budget.
          { signal: Context.current().cancellationSignal, priority: 'urgent' },
        );
        return { delivered: true };
      } catch (error) {
        if (isBitrix24ErrorCode(error, 'ACCESS_DENIED')) {
          log.warn('bizproc.event.send refused the event token: Bitrix24 is no longer waiting', { memberId: input.memberId });
          return { delivered: false };
        }
        throw error;
      }
    },

    async logRobotProgress(input: RobotProgressInput): Promise<void> {
      try {
        await deps.bitrix24.call(
          input.memberId,
          'bizproc.activity.log',
          { EVENT_TOKEN: input.eventToken, LOG_MESSAGE: input.message },
          { signal: Context.current().cancellationSignal },
        );
      } catch (error) {
        // A progress line for a robot Bitrix24 stopped waiting for is not worth failing the run over.
        if (isBitrix24ErrorCode(error, 'ACCESS_DENIED')) return;
        throw error;
      }
    },
  };
}
