import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_CREDIT_LIMIT, GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startClusterStack, type ClusterStack } from './support/cluster-stack.js';

let stack: ClusterStack;
let runs: { price501: string; price502: string; credit501: string };

beforeAll(async () => {
  stack = await startClusterStack();
  const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
  const fire = async (code: string, deal: number, properties: Record<string, string>) => {
    const fired = await stack.emulator.fireRobot(handlerUrl, { code, documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal}`], properties });
    if (fired.status !== 200) throw new Error(`${code} on DEAL_${deal}: ${fired.status}`);
    await stack.emulator.waitForRobotCompletion(fired.eventToken, 60_000);
    const workflowId = (fired.body as { workflowId: string }).workflowId;
    await stack.client.workflow.getHandle(workflowId).result();
    return workflowId;
  };
  runs = {
    price501: await fire(GET_1C_PRICE.code, 501, { article: 'SKU-001' }),
    price502: await fire(GET_1C_PRICE.code, 502, { article: 'SKU-003' }),
    credit501: await fire(CHECK_CREDIT_LIMIT.code, 501, { company_id: '1', amount: '1000' }),
  };
});

afterAll(async () => {
  await stack?.stop();
});

/** The ids a visibility query lists, once they stop changing (SQL visibility is written shortly after the history). */
async function listed(query: string, expectedCount: number): Promise<string[]> {
  let ids: string[] = [];
  for (let attempt = 0; attempt < 60; attempt += 1) {
    ids = [];
    for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length === expectedCount) break;
    await delay(500);
  }
  return ids.sort();
}

describe('search-attribute queries on PostgreSQL visibility', () => {
  it('finds runs by B24Portal, B24Process, B24Document, B24RobotCode and B24Outcome', async () => {
    const portal = `B24Portal = '${stack.emulator.memberId}'`;
    expect(await listed(`${portal} AND B24Process = '${GET_1C_PRICE.process}'`, 2)).toEqual([runs.price501, runs.price502].sort());
    expect(await listed(`${portal} AND B24Document = 'DEAL_501'`, 2)).toEqual([runs.price501, runs.credit501].sort());
    expect(await listed(`${portal} AND B24RobotCode = '${CHECK_CREDIT_LIMIT.code}' AND B24Outcome = 'completed'`, 1)).toEqual([runs.credit501]);
    expect(await listed(`B24Process = '${CHECK_CREDIT_LIMIT.process}' AND B24Outcome = 'running'`, 0)).toEqual([]);
    expect(await listed(`B24Portal = 'another-portal'`, 0)).toEqual([]);
    expect((await stack.client.workflow.count(`${portal} AND B24Process = '${GET_1C_PRICE.process}'`)).count).toBe(2);
  });

  it('refuses a query on an attribute the namespace does not have', async () => {
    const failure = await stack.client.workflow.count(`B24Unknown = 'x'`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    // The client's error wraps the server's answer, which names the attribute.
    expect(String((failure as Error).cause)).toMatch(/B24Unknown/);
  });

  it('keeps the attributes in the executions_visibility rows of the temporal_visibility database', async () => {
    const stored = await stack.cluster.postgres.query(
      'temporal_visibility',
      `SELECT search_attributes::text FROM executions_visibility WHERE workflow_id = '${runs.price501.replaceAll("'", "''")}'`,
    );
    const values = Object.values(JSON.parse(stored) as Record<string, unknown>);
    expect(values).toEqual(expect.arrayContaining([stack.emulator.memberId, GET_1C_PRICE.process, 'DEAL_501', GET_1C_PRICE.code, 'completed']));
  });
});

describe('the compose file\'s one-shot jobs run again on a cluster that has everything, as on every `docker compose up`', () => {
  it('change nothing: the schema versions stay, the namespace and its search attributes answer as before', async () => {
    const schemaVersions = async () =>
      Promise.all(['temporal', 'temporal_visibility'].map((database) => stack.cluster.postgres.query(database, 'SELECT curr_version FROM schema_version')));
    const before = await schemaVersions();

    expect(await stack.cluster.runJob('temporal-schema')).toMatch(/PostgreSQL schema is up to date/);
    expect(await stack.cluster.runJob('temporal-namespace')).toMatch(new RegExp(`namespace ${stack.cluster.namespace} exists`));

    expect(await schemaVersions()).toEqual(before);
    const query = `B24Portal = '${stack.emulator.memberId}' AND B24Process = '${GET_1C_PRICE.process}'`;
    expect(await listed(query, 2)).toEqual([runs.price501, runs.price502].sort());
  });
});
