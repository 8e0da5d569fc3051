import { restErrors } from '../errors.js';
import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, paramCI } from '../params.js';
import type { PortalUser } from '../state.js';

function person(user: PortalUser | undefined, id: number): Record<string, unknown> {
  return {
    id: String(id),
    name: user ? `${user.NAME} ${user.LAST_NAME}`.trim() : '',
    link: `/company/personal/user/${id}/`,
    icon: '',
    workPosition: user?.WORK_POSITION ?? '',
  };
}

/**
 * tasks.task.add answers `result.task` with the keys of b24restdocs api-reference/tasks/tasks-task-add.md (camelCase,
 * ids as strings). The CRM bindings are kept in state as `ufCrmTask` but not answered: tasks/fields.md returns
 * `ufCrmTask` only when selected.
 */
export const taskMethods: MethodTable = {
  'tasks.task.add': {
    handler: (params, ctx) => {
      const fields = asRecord(paramCI(params, 'fields'));
      const title = asString(paramCI(fields, 'TITLE'));
      if (!title) throw restErrors.validation('ERROR_CORE', 'Task title not specified');
      const responsibleId = asInt(paramCI(fields, 'RESPONSIBLE_ID'));
      if (!responsibleId) throw restErrors.validation('ERROR_CORE', 'Responsible person not specified');
      const responsible = ctx.state.users.find((user) => user.ID === String(responsibleId));
      if (!responsible) throw restErrors.validation('ERROR_CORE', 'User not found');
      const createdBy = asInt(paramCI(fields, 'CREATED_BY')) ?? ctx.caller.userId;
      const bindings = paramCI(fields, 'UF_CRM_TASK');
      const now = isoWithOffset(ctx.clock.nowMs());
      const id = String(ctx.state.nextId('task'));
      const task = {
        id,
        parentId: null,
        title,
        description: asString(paramCI(fields, 'DESCRIPTION')) ?? '',
        mark: null,
        priority: String(asInt(paramCI(fields, 'PRIORITY')) ?? 1),
        multitask: 'N',
        notViewed: 'N',
        replicate: 'N',
        stageId: '0',
        createdBy: String(createdBy),
        createdDate: now,
        responsibleId: String(responsibleId),
        changedBy: String(createdBy),
        changedDate: now,
        statusChangedBy: null,
        closedBy: null,
        closedDate: null,
        activityDate: now,
        dateStart: null,
        deadline: asString(paramCI(fields, 'DEADLINE')) ?? null,
        startDatePlan: null,
        endDatePlan: null,
        guid: `{${id}}`,
        xmlId: null,
        commentsCount: null,
        allowChangeDeadline: 'N',
        allowTimeTracking: 'N',
        taskControl: 'N',
        addInReport: 'N',
        timeEstimate: '0',
        matchWorkTime: 'N',
        siteId: 's1',
        subordinate: 'Y',
        descriptionInBbcode: 'Y',
        status: '2',
        statusChangedDate: now,
        durationPlan: null,
        durationType: 'days',
        favorite: 'N',
        groupId: String(asInt(paramCI(fields, 'GROUP_ID')) ?? 0),
        auditors: [],
        accomplices: [],
        checklist: [],
        group: [],
        creator: person(
          ctx.state.users.find((user) => user.ID === String(createdBy)),
          createdBy,
        ),
        responsible: person(responsible, responsibleId),
        accomplicesData: [],
        auditorsData: [],
        newCommentsCount: 0,
      };
      const ufCrmTask = Array.isArray(bindings) ? bindings.map(String) : bindings === undefined ? [] : [String(bindings)];
      ctx.state.tasks.push({ ...task, ufCrmTask });
      return { result: { task } };
    },
  },
};
