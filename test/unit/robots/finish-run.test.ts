import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createRobotFinishActivities, TIMELINE_PATIENCE_MS, type FinishRobotRunInput } from '../../../activities/robot/finish-run.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

const line = (title: string, text: string) => ({ entityTypeId: 2, entityId: 7, title, text });
const settings = { temporalWebUiUrl: 'http://127.0.0.1:8233' };

const input: FinishRobotRunInput = {
  memberId: 'member-1',
  eventToken: 'bp-1|A1|token',
  returnValues: { price: 10, available: true },
  logMessage: '1C: SKU-1 costs 10 RUB',
  timeline: {
    ifDelivered: line('GET_1C_PRICE: Completed', '1C: SKU-1 costs 10 RUB'),
    ifRefused: line('GET_1C_PRICE: Failed', '1C: SKU-1 costs 10 RUB (Bitrix24 was no longer waiting for this robot)'),
  },
};

/** A portal whose timeline line fails with `lineFailure` (and whose event.send refuses the token when asked to). */
function portal(options: { refuseToken?: boolean; lineFailure?: ApplicationFailure } = {}) {
  return recordingBitrix24((method) => {
    if (method === 'bizproc.event.send' && options.refuseToken) throw ApplicationFailure.nonRetryable('token spent', 'Bitrix24.ACCESS_DENIED');
    if (method === 'crm.timeline.logmessage.add' && options.lineFailure) throw options.lineFailure;
    if (method === 'crm.timeline.logmessage.list') return [];
    return true;
  });
}

function attempt(info: { attempt?: number; heartbeatDetails?: unknown } = {}) {
  const environment = new MockActivityEnvironment(info);
  const heartbeats: unknown[] = [];
  environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { environment, heartbeats };
}

describe('finishRobotRun: the answer to Bitrix24 and the line on the card in one activity', () => {
  it('sends the answer, checkpoints it, then writes the line for a delivered answer', async () => {
    const bitrix24 = portal();
    const { environment, heartbeats } = attempt();
    const result = await environment.run(createRobotFinishActivities({ bitrix24, settings }).finishRobotRun, input);
    expect(result).toEqual({ delivered: true, lineWritten: true });
    expect(bitrix24.calls.map((call) => call.method)).toEqual(['bizproc.event.send', 'crm.timeline.logmessage.add']);
    expect(heartbeats).toEqual([{ delivered: true, at: expect.any(Number) }]);
    // The line links the run in the Web UI: the link (its run id) is also how a retried attempt finds the line.
    const { namespace, workflowExecution } = environment.context.info;
    const { workflowId, runId } = workflowExecution ?? { workflowId: '', runId: '' };
    expect(bitrix24.callsTo('crm.timeline.logmessage.add')[0]?.params).toMatchObject({
      fields: {
        title: 'GET_1C_PRICE: Completed',
        text: `1C: SKU-1 costs 10 RUB\nhttp://127.0.0.1:8233/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}/${runId}`,
      },
    });
  });

  it('writes the failed line when Bitrix24 no longer waits for the robot', async () => {
    const bitrix24 = portal({ refuseToken: true });
    const result = await attempt().environment.run(createRobotFinishActivities({ bitrix24, settings }).finishRobotRun, input);
    expect(result).toEqual({ delivered: false, lineWritten: true });
    expect(bitrix24.callsTo('crm.timeline.logmessage.add')[0]?.params).toMatchObject({
      fields: { title: 'GET_1C_PRICE: Failed', text: expect.stringContaining('no longer waiting') },
    });
  });

  it('resumes after the checkpoint: no second event.send, and the line is searched for before it is added', async () => {
    const bitrix24 = portal();
    const { environment } = attempt({ attempt: 2, heartbeatDetails: { delivered: false, at: Date.now() } });
    const result = await environment.run(createRobotFinishActivities({ bitrix24, settings }).finishRobotRun, input);
    expect(result).toEqual({ delivered: false, lineWritten: true });
    expect(bitrix24.calls.map((call) => call.method)).toEqual(['crm.timeline.logmessage.list', 'crm.timeline.logmessage.add']);
  });

  it('retries a line that failed for a passing reason, and gives up on it after the patience or a final failure', async () => {
    const passing = ApplicationFailure.retryable('the portal answered 503', 'Bitrix24.INTERNAL_SERVER_ERROR');
    const { finishRobotRun } = createRobotFinishActivities({ bitrix24: portal({ lineFailure: passing }), settings });
    await expect(attempt().environment.run(finishRobotRun, input)).rejects.toBe(passing);
    const longAgo = { delivered: true, at: Date.now() - TIMELINE_PATIENCE_MS - 1 };
    expect(await attempt({ attempt: 9, heartbeatDetails: longAgo }).environment.run(finishRobotRun, input)).toEqual({ delivered: true, lineWritten: false });

    const final = ApplicationFailure.nonRetryable('the deal is gone', 'Bitrix24.NOT_FOUND');
    const gone = createRobotFinishActivities({ bitrix24: portal({ lineFailure: final }), settings });
    expect(await attempt().environment.run(gone.finishRobotRun, input)).toEqual({ delivered: true, lineWritten: false });
  });

  it('writes no line for a document that is not a CRM item', async () => {
    const bitrix24 = portal();
    const result = await attempt().environment.run(createRobotFinishActivities({ bitrix24, settings }).finishRobotRun, { ...input, timeline: undefined });
    expect(result).toEqual({ delivered: true, lineWritten: false });
    expect(bitrix24.calls.map((call) => call.method)).toEqual(['bizproc.event.send']);
  });
});
