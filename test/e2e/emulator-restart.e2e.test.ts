import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFieldNames, type ClaimFieldNames } from '../../contracts/crm-field-names.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { eventually } from '../support/entity-runs.js';
import { freePort, startStack, type Stack } from '../support/stack.js';

/**
 * The restart a developer does with `npm start`: the emulator stops and comes back on its state file while the dev
 * server keeps its runs. A claim made after the restart must get the next number and its own quality task; before
 * the state file, the emulator began again at item 1, whose entity workflow had already run.
 */
const MANAGER = 3;

let stack: Stack;
let dir: string;
let stateFile: string;
let port: number;
let restarted: Bitrix24Emulator | undefined;
let claimEntityTypeId: number;
let fields: ClaimFieldNames;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-restart-'));
  stateFile = join(dir, 'emulator.json');
  port = await freePort();
  stack = await startStack({ emulator: { port, stateFile, rateLimit: { perSecond: 20, burst: 200 } }, env: { OFFLINE_DRAIN_INTERVAL_SECONDS: '3600' } });
  await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
  const claim = stack.emulator.state.crmTypes.find((type) => type.title === 'Claim');
  if (!claim) throw new Error('provisioning did not create the Claim type');
  claimEntityTypeId = claim.entityTypeId;
  fields = claimFieldNames(claim.id);
}, 240_000);

afterAll(async () => {
  await restarted?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function numberOf(emulator: Bitrix24Emulator, id: number): string | undefined {
  return emulator.state.getItem(claimEntityTypeId, id)?.[fields.number] as string | undefined;
}

function tasksOf(emulator: Bitrix24Emulator, id: number) {
  const binding = `T${claimEntityTypeId.toString(16)}_${id}`;
  return emulator.state.tasks.filter((task) => (task.ufCrmTask as string[]).includes(binding));
}

describe('restarting the emulator on its state file while Temporal keeps its runs', () => {
  it('numbers the claim made after the restart as the next one and gives it its own task', async () => {
    const before = stack.emulator.userAddsItem(claimEntityTypeId, { title: 'Before the restart', assignedById: MANAGER }, MANAGER);
    const firstNumber = await eventually(() => numberOf(stack.emulator, Number(before.id)), 'the first claim number', 60_000);
    await eventually(() => tasksOf(stack.emulator, Number(before.id)).length === 1 || undefined, 'the first quality task', 60_000);

    await stack.emulator.close();
    restarted = await startBitrix24Emulator({ port, stateFile, rateLimit: { perSecond: 20, burst: 200 } });
    expect(restarted.restoredFromStateFile).toBe(true);
    expect(numberOf(restarted, Number(before.id))).toBe(firstNumber);

    const after = restarted.userAddsItem(claimEntityTypeId, { title: 'After the restart', assignedById: MANAGER }, MANAGER);
    expect(Number(after.id)).toBe(Number(before.id) + 1);
    const secondNumber = await eventually(() => numberOf(restarted!, Number(after.id)), 'the second claim number', 60_000);
    const [, year, sequence] = /^CL-(\d{4})-(\d{4})$/.exec(firstNumber) ?? [];
    expect(secondNumber).toBe(`CL-${year}-${String(Number(sequence) + 1).padStart(4, '0')}`);
    await eventually(() => tasksOf(restarted!, Number(after.id)).length === 1 || undefined, 'the second quality task', 60_000);
    expect(tasksOf(restarted, Number(before.id))).toHaveLength(1);
  }, 180_000);
});
