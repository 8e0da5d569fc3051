import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvisioningActivities, type ProvisioningOutcome } from '../../activities/provisioning/activities.js';
import { ROBOT_DECLARATIONS } from '../../contracts/robot-declarations.js';
import { startBitrix24Emulator, type Bitrix24Emulator } from '../../emulators/bitrix24/index.js';
import { WORKFLOW_TYPES } from '../../worker/workflow-types.js';
import { connectToEmulator, PUBLIC_URL, type ProvisioningHarness } from './helpers.js';

/** The install hook's provisioning activity, as the worker builds it, against the emulated portal. */
describe('provisioning activity warnings', () => {
  let emulator: Bitrix24Emulator;
  let harness: ProvisioningHarness;

  beforeAll(async () => {
    emulator = await startBitrix24Emulator({ rateLimit: false });
    harness = await connectToEmulator(emulator);
  });
  afterAll(async () => {
    await harness.close();
    await emulator.close();
  });

  const provision = (knownWorkflowTypes: readonly string[]) => {
    const { provisionPortal } = createProvisioningActivities({ bitrix24: harness.bitrix24, portals: harness.store, publicUrl: PUBLIC_URL, knownWorkflowTypes });
    return new MockActivityEnvironment().run(provisionPortal, { memberId: emulator.memberId }) as Promise<ProvisioningOutcome>;
  };

  it('has no warning with the workflows this worker runs: every declared robot has its workflow', async () => {
    expect(WORKFLOW_TYPES).toEqual(expect.arrayContaining(ROBOT_DECLARATIONS.map((robot) => robot.workflowType)));
    expect((await provision(WORKFLOW_TYPES)).warnings).toEqual([]);
  });

  it('warns about a waiting robot whose workflow this worker does not run', async () => {
    const [missing] = ROBOT_DECLARATIONS;
    const outcome = await provision(WORKFLOW_TYPES.filter((type) => type !== missing?.workflowType));
    expect(outcome.warnings).toEqual([expect.stringContaining(`no worker workflow "${missing?.workflowType}"`)]);
  });
});
