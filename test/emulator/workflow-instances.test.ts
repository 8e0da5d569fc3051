import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { callRest, startCaptureServer } from './helpers.js';

const SELECT = ['ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'TEMPLATE_ID'];

describe('Bitrix24 emulator: bizproc.workflow.instances knows which business processes run on which document', () => {
  let emulator: Bitrix24Emulator;
  let handler: Awaited<ReturnType<typeof startCaptureServer>>;
  let admin: string;

  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    handler = await startCaptureServer();
    admin = emulator.webhookUrl(1);
  });
  afterAll(async () => {
    await emulator.close();
    await handler.close();
  });

  async function fire(deal: number, timeoutDuration = 0) {
    const fired = await emulator.fireRobot(handler.url, {
      code: 'erp_create_order',
      documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal}`],
      timeoutDuration,
    });
    const workflowId = String(handler.requests.at(-1)?.form.workflow_id);
    return { ...fired, workflowId };
  }

  const instancesOf = (workflowId: string, endpoint = admin) =>
    callRest(endpoint, 'bizproc.workflow.instances', { select: SELECT, filter: { ID: workflowId } });

  it('lists a fired robot call as a running process on its document, with the documented keys', async () => {
    const { workflowId } = await fire(41);
    const answer = await instancesOf(workflowId);
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(1);
    expect(answer.body.result).toEqual([
      {
        ID: workflowId,
        MODULE_ID: 'crm',
        ENTITY: 'CCrmDocumentDeal',
        DOCUMENT_ID: 'DEAL_41',
        STARTED: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        STARTED_BY: '0',
        TEMPLATE_ID: '1',
      },
    ]);
  });

  it('filters by document, answers the default columns without SELECT, and the old alias answers the same', async () => {
    const { workflowId } = await fire(42);
    const byDocument = await callRest(admin, 'bizproc.workflow.instances', {
      FILTER: { MODULE_ID: 'crm', ENTITY: 'CCrmDocumentDeal', DOCUMENT_ID: 'DEAL_42' },
    });
    expect(byDocument.body.result).toEqual([{ ID: workflowId, MODIFIED: expect.any(String), OWNED_UNTIL: null }]);
    const alias = await callRest(admin, 'bizproc.workflow.instance.list', { filter: { ID: workflowId }, select: ['ID'] });
    expect(alias.body.result).toEqual([{ ID: workflowId }]);
    const none = await instancesOf('55c1dc1c3f0d75.78875596');
    expect(none.body).toMatchObject({ result: [], total: 0 });
  });

  it('drops the process once its robot completes through bizproc.event.send', async () => {
    const { workflowId, eventToken } = await fire(43);
    await callRest(admin, 'bizproc.event.send', { EVENT_TOKEN: eventToken, RETURN_VALUES: {} });
    expect((await instancesOf(workflowId)).body.result).toEqual([]);
  });

  it('drops the process once its robot times out', async () => {
    const { workflowId } = await fire(44, 60);
    expect((await instancesOf(workflowId)).body.result).toHaveLength(1);
    emulator.advanceClock(61);
    expect((await instancesOf(workflowId)).body.result).toEqual([]);
  });

  it('answers 403 ACCESS_DENIED to a user who is not an administrator', async () => {
    const { workflowId } = await fire(45);
    const answer = await instancesOf(workflowId, emulator.webhookUrl(3));
    expect(answer).toEqual({ status: 403, body: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } });
  });
});
