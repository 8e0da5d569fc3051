import { existsSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ROBOT_MODULES } from '../../../activities/robots.js';
import {
  CHECK_CREDIT_LIMIT,
  ERP_CREATE_ORDER,
  GET_1C_PRICE,
  ROBOT_DECLARATIONS,
  type RobotProperties,
  type RobotReturnValues,
} from '../../../contracts/robot-declarations.js';
import { loadConfig } from '../../../lib/config.js';
import { robotWorkflowTestFile, robotWorkflowTestFiles } from '../../../scripts/robot-test-files.js';
import { testActivities } from '../../support/test-activities.js';
import { processSettingsFromConfig } from '../../../worker/process-settings.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

const config = loadConfig({ PAYLOAD_CODEC_KEY: Buffer.alloc(32).toString('base64'), ONEC_RETRY_BOUND_SECONDS: '42', CREDIT_WAIT_SECONDS: '60' });

describe('robot registration', () => {
  it('gives every declared robot its module of activities and settings, and nothing else', () => {
    expect(Object.keys(ROBOT_MODULES).sort()).toEqual(ROBOT_DECLARATIONS.map((robot) => robot.code).sort());
  });

  it("puts each robot's settings slice into the settings its workflow reads", () => {
    const settings = processSettingsFromConfig(config);
    expect(settings.onecRetryBoundMs).toBe(42_000);
    expect(settings.erpOrderField).toBe('UF_CRM_ERP_ORDER_ID');
    expect(settings.credit?.waitMs).toBe(60_000);
  });

  it("registers each robot's activities with the worker", () => {
    const activities = testActivities({ bitrix24: recordingBitrix24() });
    expect(Object.keys(activities)).toEqual(expect.arrayContaining(['lookupPrice', 'createErpOrder', 'readCompanyCredit', 'ensureJiraIssueForDeal']));
  });

  it('finds the workflow test of every robot, whose runs are its replay fixtures', () => {
    expect(robotWorkflowTestFile({ workflowType: 'get1cPriceWorkflow' })).toBe('test/workflows/get-1c-price.test.ts');
    for (const file of robotWorkflowTestFiles()) expect(existsSync(file), file).toBe(true);
  });

  it('derives the workflow property and return types from the declaration', () => {
    expectTypeOf<RobotProperties<typeof CHECK_CREDIT_LIMIT>>().toEqualTypeOf<{ company_id: number; amount: number; currency?: string }>();
    expectTypeOf<RobotProperties<typeof ERP_CREATE_ORDER>>().toEqualTypeOf<{ comment?: string }>();
    expectTypeOf<RobotReturnValues<typeof GET_1C_PRICE>>().toEqualTypeOf<{ price: number; available: boolean }>();
  });
});
