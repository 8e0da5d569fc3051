import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom Keyword search attributes; registered by the dev server flags (scripts/) and the compose init job. */
export const SA_PORTAL = defineSearchAttributeKey('B24Portal', SearchAttributeType.KEYWORD);
export const SA_DOCUMENT = defineSearchAttributeKey('B24Document', SearchAttributeType.KEYWORD);
export const SA_PROCESS = defineSearchAttributeKey('B24Process', SearchAttributeType.KEYWORD);
export const SA_ROBOT_CODE = defineSearchAttributeKey('B24RobotCode', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('B24Outcome', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [SA_PORTAL, SA_DOCUMENT, SA_PROCESS, SA_ROBOT_CODE, SA_OUTCOME] as const;

export const OUTCOMES = {
  running: 'running',
  waitingOnExternal: 'waiting-external',
  completed: 'completed',
  failed: 'failed',
  escalated: 'escalated',
} as const;
export type Outcome = (typeof OUTCOMES)[keyof typeof OUTCOMES];
