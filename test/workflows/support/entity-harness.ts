import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { EntityPassContext, EntityPassResult } from '../../../contracts/entity.js';
import type { ProcessSettings } from '../../../activities/settings.js';
import { FAILURE_CONVERTER_PATH } from '../../../lib/data-converter.js';
import { testSettings } from '../../support/test-activities.js';
import type { TestPassActivities } from './entity-test-workflows.js';

const require = createRequire(import.meta.url);
const TEST_WORKFLOWS = fileURLToPath(new URL('./entity-test-workflows.ts', import.meta.url));
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The entity loop with test passes, plus the drain and external-write workflows; built once per test file. */
export function entityTestBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: TEST_WORKFLOWS,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [require.resolve('@temporalio/testing/lib/assert-to-failure-interceptor')],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return bundle;
}

/** The worker's defaults with a short coalescing window and idle time: what the entity loop reads. */
export function entitySettings(overrides: Partial<ProcessSettings> = {}): ProcessSettings {
  return testSettings({ entityCoalesceWindowMs: 1_500, entityIdleMs: 1_000, ...overrides });
}

export interface PassRecorder {
  passes: EntityPassContext[];
  activities: TestPassActivities;
}

/** Records every pass; `behaviour` decides what a pass does (default: count passes in memory). */
export function passRecorder(
  behaviour: (context: EntityPassContext, index: number) => Promise<EntityPassResult> = async (context) => ({
    memory: { passes: Number(context.memory.passes ?? 0) + 1 },
  }),
): PassRecorder {
  const passes: EntityPassContext[] = [];
  return {
    passes,
    activities: {
      async testPass(context) {
        passes.push(context);
        return behaviour(context, passes.length - 1);
      },
    },
  };
}

/** A promise the test resolves by hand, to hold a pass open while more events arrive. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
