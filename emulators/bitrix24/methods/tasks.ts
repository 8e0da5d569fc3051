import { restErrors } from '../errors.js';
import { isoWithOffset } from '../clock.js';
import type { MethodTable } from '../method-types.js';
import { asInt, asRecord, asString, paramCI } from '../params.js';

export const taskMethods: MethodTable = {
  'tasks.task.add': {
    handler: (params, ctx) => {
      const fields = asRecord(paramCI(params, 'fields'));
      const title = asString(paramCI(fields, 'TITLE'));
      if (!title) throw restErrors.validation('ERROR_CORE', 'Task title not specified');
      const responsibleId = asInt(paramCI(fields, 'RESPONSIBLE_ID'));
      if (!responsibleId) throw restErrors.validation('ERROR_CORE', 'Responsible person not specified');
      if (!ctx.state.users.some((user) => user.ID === String(responsibleId))) throw restErrors.validation('ERROR_CORE', 'User not found');
      const bindings = paramCI(fields, 'UF_CRM_TASK');
      const task = {
        id: String(ctx.state.nextId('task')),
        title,
        description: asString(paramCI(fields, 'DESCRIPTION')) ?? '',
        responsibleId: String(responsibleId),
        createdBy: String(asInt(paramCI(fields, 'CREATED_BY')) ?? ctx.caller.userId),
        deadline: asString(paramCI(fields, 'DEADLINE')) ?? null,
        groupId: String(asInt(paramCI(fields, 'GROUP_ID')) ?? 0),
        status: '2',
        createdDate: isoWithOffset(ctx.clock.nowMs()),
        ufCrmTask: Array.isArray(bindings) ? bindings.map(String) : bindings === undefined ? [] : [String(bindings)],
      };
      ctx.state.tasks.push(task);
      return { result: { task } };
    },
  },
};
