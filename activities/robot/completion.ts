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
 * Sends the robot's answer with bizproc.event.send. `false` when Bitrix24 refused the token (ACCESS_DENIED: it no
 * longer waits for this robot), which is terminal and never retried.
 */
export async function sendRobotResult(bitrix24: Bitrix24Caller, input: CompleteRobotInput, signal: AbortSignal): Promise<boolean> {
  try {
    await bitrix24.call(
      input.memberId,
      'bizproc.event.send',
      { EVENT_TOKEN: input.eventToken, RETURN_VALUES: input.returnValues, LOG_MESSAGE: input.logMessage },
      // A business process is waiting on this answer: it goes ahead of bookkeeping calls queued for the budget.
      { signal, priority: 'urgent' },
    );
    return true;
  } catch (error) {
    if (isBitrix24ErrorCode(error, 'ACCESS_DENIED')) {
      log.warn('bizproc.event.send refused the event token: Bitrix24 is no longer waiting', { memberId: input.memberId });
      return false;
    }
    throw error;
  }
}

/**
 * The completion of every robot and BP activity (docs/architecture.md): `completeRobot` answers alone (a refused call,
 * runs that started before finish-run.ts); every other failure follows the Bitrix24 error catalogue.
 */
export function createRobotCompletionActivities(deps: { bitrix24: Bitrix24Caller }) {
  return {
    async completeRobot(input: CompleteRobotInput): Promise<{ delivered: boolean }> {
      return { delivered: await sendRobotResult(deps.bitrix24, input, Context.current().cancellationSignal) };
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
