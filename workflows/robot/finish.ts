import { log, metricMeter, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { RobotCall, RobotOutcome } from '../../contracts/robot-call.js';
import { SA_OUTCOME, OUTCOMES, type Outcome } from '../../contracts/search-attributes.js';
import { NO_LONGER_WAITING, recordOnTimeline, timelineLinesForAnswer } from './timeline.js';

const { completeRobot, finishRobotRun, logRobotProgress } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // Bitrix24 keeps an event token usable for as long as the robot waits; a day of retries covers any portal outage.
  scheduleToCloseTimeout: '24 hours',
});

/** Runs that started before the answer and the timeline line shared one activity replay with two. */
export const ONE_FINISH_ACTIVITY_PATCH = 'robot-finish-in-one-activity';

/** Milliseconds left before Bitrix24 stops waiting for this call, or undefined when it waits forever. */
export function timeLeftForBitrix24(call: RobotCall): number | undefined {
  if (call.timeoutDuration <= 0) return undefined;
  return (call.ts + call.timeoutDuration) * 1000 - Date.now();
}

/**
 * Reports the result to Bitrix24 with bizproc.event.send and records the outcome on the run.
 * When Bitrix24's timeout_duration has already passed, the send would be silently ignored, so the run says so instead.
 */
export async function finishRobot<R extends Record<string, unknown>>(
  call: RobotCall,
  returnValues: R,
  logMessage: string,
  outcome: Outcome = OUTCOMES.completed,
): Promise<RobotOutcome<R>> {
  const left = timeLeftForBitrix24(call);
  if (left !== undefined && left <= 0) {
    log.warn('Bitrix24 stopped waiting for this robot before it finished (timeout_duration passed)', {
      timeoutDuration: call.timeoutDuration,
    });
    setOutcome(OUTCOMES.failed);
    countRobotRun(call, OUTCOMES.failed);
    await recordOnTimeline(call, OUTCOMES.failed, `${logMessage} (Bitrix24 had stopped waiting for this robot)`);
    return { returnValues, logMessage, delivered: false };
  }
  if (patched(ONE_FINISH_ACTIVITY_PATCH)) {
    const timeline = timelineLinesForAnswer(call, outcome, logMessage);
    const { delivered } = await finishRobotRun({ memberId: call.memberId, eventToken: call.eventToken, returnValues, logMessage, timeline });
    return recordFinish(call, delivered ? outcome : OUTCOMES.failed, { returnValues, logMessage, delivered });
  }
  const { delivered } = await completeRobot({ memberId: call.memberId, eventToken: call.eventToken, returnValues, logMessage });
  const recorded = delivered ? outcome : OUTCOMES.failed;
  const finished = recordFinish(call, recorded, { returnValues, logMessage, delivered });
  await recordOnTimeline(call, recorded, delivered ? logMessage : `${logMessage} ${NO_LONGER_WAITING}`);
  return finished;
}

/** The run's outcome as a search attribute and a count, once Bitrix24 has had the answer. */
function recordFinish<R extends Record<string, unknown>>(call: RobotCall, recorded: Outcome, finished: RobotOutcome<R>): RobotOutcome<R> {
  if (!finished.delivered) log.warn('Bitrix24 refused the event token: it is no longer waiting for this robot');
  setOutcome(recorded);
  countRobotRun(call, recorded);
  return finished;
}

/** One line in the business-process log while the robot is still working. */
export async function reportProgress(call: RobotCall, message: string): Promise<void> {
  await logRobotProgress({ memberId: call.memberId, eventToken: call.eventToken, message });
}

/**
 * One count per finished robot run, by robot code and outcome, for the dashboard (deploy/grafana): the SDK exports it
 * on the worker's SDK metrics endpoint and leaves it out while a history is replayed. Not a command: histories hold.
 */
function countRobotRun(call: RobotCall, outcome: Outcome): void {
  metricMeter
    .createCounter('b24_robot_runs', 'runs', 'Robot and BP activity runs by robot code and terminal outcome.')
    .add(1, { robot_code: call.robotCode, outcome });
}

export function setOutcome(outcome: Outcome): void {
  upsertSearchAttributes([{ key: SA_OUTCOME, value: outcome }]);
}
