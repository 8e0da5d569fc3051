import { Context } from '@temporalio/activity';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface ConfirmRobotCallInput {
  memberId: string;
  /** `workflow_id` of the call: the business process that claims to wait for the robot. */
  bizprocWorkflowId: string;
  /** `document_id` of the call, `[module, entity, id]`. */
  documentId: [string, string, string];
}

export interface RobotCallCheck {
  confirmed: boolean;
  /** Why the call did not check out; empty when it did. Safe to show in the business-process log. */
  reason: string;
}

/** One row of `bizproc.workflow.instances` (b24restdocs api-reference/bizproc/bizproc-workflow-instances.md). */
interface WorkflowInstanceRow {
  ID?: unknown;
  MODULE_ID?: unknown;
  ENTITY?: unknown;
  DOCUMENT_ID?: unknown;
}

const SELECT = ['ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID'];

/**
 * A robot call proves it comes from the portal (`application_token`), not that Bitrix24's queue sent it: every user who
 * opens one of the app's widgets receives that token (docs/security.md). Before a robot changes anything outside
 * Bitrix24, Bitrix24 itself is asked whether a business process with the call's workflow id runs on the call's document.
 * `bizproc.workflow.instances` needs an administrator's token: the app's stored install token is one.
 */
export function createRobotCallConfirmationActivities(deps: { bitrix24: Bitrix24Caller }) {
  return {
    async confirmRobotCall(input: ConfirmRobotCallInput): Promise<RobotCallCheck> {
      const documentKey = input.documentId[2];
      if (input.bizprocWorkflowId.trim() === '') {
        return { confirmed: false, reason: 'the call names no business process (workflow_id is empty)' };
      }
      let rows: unknown;
      try {
        // No filter prefix: core's filter accepts a bare field name for equality, and not every version knows `=`.
        rows = await deps.bitrix24.call(
          input.memberId,
          'bizproc.workflow.instances',
          { select: SELECT, filter: { ID: input.bizprocWorkflowId } },
          { signal: Context.current().cancellationSignal },
        );
      } catch (error) {
        if (isBitrix24ErrorCode(error, 'ACCESS_DENIED')) {
          const reason = 'the call could not be confirmed: the token the app was installed with is not an administrator’s';
          return { confirmed: false, reason };
        }
        throw error;
      }
      // Matched here too, field by field: a filter the portal ignored must not turn "some process" into "this process".
      const running = (Array.isArray(rows) ? (rows as WorkflowInstanceRow[]) : []).some(
        (row) =>
          String(row.ID) === input.bizprocWorkflowId &&
          String(row.MODULE_ID) === input.documentId[0] &&
          String(row.ENTITY) === input.documentId[1] &&
          String(row.DOCUMENT_ID) === documentKey,
      );
      if (running) return { confirmed: true, reason: '' };
      // Both values come from the call: shortened, so a forged call cannot fill the log with its own text.
      const what = `${input.bizprocWorkflowId.slice(0, 40)} on ${documentKey.slice(0, 40)}`;
      return { confirmed: false, reason: `Bitrix24 runs no business process ${what}` };
    },
  };
}
