import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { startStack, type Stack } from '../support/stack.js';

const NAMESPACE = 'b24-profile';
const dir = mkdtempSync(join(tmpdir(), 'temporal-profile-'));
let stack: Stack;

/**
 * A namespace named only in an envconfig profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, TEMPORAL_NAMESPACE unset):
 * the API starts runs in it and the worker polls it, so a robot call is answered from there.
 */
beforeAll(async () => {
  const profile = join(dir, 'temporal.toml');
  writeFileSync(profile, `[profile.b24]\nnamespace = "${NAMESPACE}"\n`);
  stack = await startStack({
    temporalNamespace: NAMESPACE,
    env: { TEMPORAL_NAMESPACE: '', TEMPORAL_CONFIG_FILE: profile, TEMPORAL_PROFILE: 'b24' },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Temporal namespace set in an envconfig profile', () => {
  it('is where the API starts the robot run and where the worker answers it', async () => {
    const fired = await stack.emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: GET_1C_PRICE.code,
      properties: { article: 'SKU-001' },
    });
    expect(fired.status).toBe(200);
    const invocation = await stack.emulator.waitForRobotCompletion(fired.eventToken, 30_000);
    expect(invocation.returnValues).toMatchObject({ available: true });

    const { workflowId } = fired.body as { workflowId: string };
    expect(stack.temporal.client.options.namespace).toBe(NAMESPACE);
    const outcome = (await stack.temporal.client.workflow.getHandle(workflowId).result()) as { delivered: boolean };
    expect(outcome.delivered).toBe(true);
  });
});
