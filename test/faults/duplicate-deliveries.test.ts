import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { entityWorkflowId, eventTokenKey, robotWorkflowId } from '../../contracts/workflow-ids.js';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import type { Stack } from '../support/stack.js';
import { eventSendsFor, passesForDeal, robotRunFinished, seedDealWithRows, shipmentElementsOf, startFaultStack, waitFor } from './support/fault-stack.js';

const DELIVERIES = 10;

let stack: Stack;

beforeAll(async () => {
  stack = await startFaultStack({ env: { ENTITY_COALESCE_WINDOW_MS: '1000' } });
});

afterAll(async () => {
  await stack?.stop();
});

async function runsOf(workflowId: string): Promise<number> {
  return (await stack.temporal.client.workflow.count(`WorkflowId = '${workflowId}'`)).count;
}

describe('ten identical deliveries', () => {
  it('of one robot call start one run and send one bizproc.event.send', async () => {
    const { emulator } = stack;
    const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
    const first = await emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' } });
    const again = () => emulator.fireRobot(handlerUrl, { code: GET_1C_PRICE.code, eventToken: first.eventToken });
    // Four while the first is (most likely) still running, five once it has certainly finished.
    const early = await Promise.all(Array.from({ length: 4 }, again));
    await robotRunFinished(stack.temporal.client, emulator.memberId, GET_1C_PRICE.code, first.eventToken);
    const late = await Promise.all(Array.from({ length: DELIVERIES - 5 }, again));

    expect([first, ...early, ...late].map((answer) => answer.status)).toEqual(Array.from({ length: DELIVERIES }, () => 200));
    expect(late.every((answer) => (answer.body as { duplicate?: boolean }).duplicate === true)).toBe(true);
    expect(emulator.robotResult(first.eventToken)?.deliveries).toBe(DELIVERIES);
    expect(await runsOf(robotWorkflowId(emulator.memberId, GET_1C_PRICE.code, eventTokenKey(first.eventToken)))).toBe(1);
    expect(eventSendsFor(emulator, first.eventToken)).toHaveLength(1);
    expect(emulator.robotResult(first.eventToken)?.lateSends).toEqual([]);
  });

  it('of one CRM event feed one entity run, which makes one pass', async () => {
    const { emulator } = stack;
    const dealId = seedDealWithRows(emulator, 3);
    const binding = emulator.state.eventBindings.find((candidate) => candidate.event === 'ONCRMDEALUPDATE' && !candidate.offline);
    expect(binding).toBeDefined();
    const answers = await Promise.all(
      Array.from({ length: DELIVERIES }, () => emulator.fireEvent(binding?.handler ?? '', 'ONCRMDEALUPDATE', { FIELDS: { ID: dealId } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: DELIVERIES }, () => 200));

    const workflowId = entityWorkflowId(emulator.memberId, ENTITY_TYPE.deal, dealId);
    await waitFor(() => shipmentElementsOf(emulator, dealId) === 3, 'the deal in the shipment list');
    const handle = stack.temporal.client.workflow.getHandle(workflowId);
    // Wait until the pass's sync activity has completed in the history, then read where every signal landed.
    const history = await waitFor(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'syncDealShipments');
      const completed = events.some(
        (event) => scheduled && String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
      );
      return completed ? events : null;
    }, 'the pass to complete in the history');
    const signals = history.filter((event) => event.workflowExecutionSignaledEventAttributes).map((event) => Number(event.eventId));
    const passes = history
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'syncDealShipments')
      .map((event) => Number(event.eventId));
    expect(signals).toHaveLength(DELIVERIES);
    expect(passes).toHaveLength(1);
    // Every delivery was recorded before the pass was scheduled: the loop has nothing left that could start a second.
    expect(Math.max(...signals)).toBeLessThan(passes[0] ?? 0);
    expect(await runsOf(workflowId)).toBe(1);
    expect(passesForDeal(emulator, dealId)).toBe(1);
  });
});
