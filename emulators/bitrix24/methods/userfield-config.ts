import { matchesFilter, sortRows } from '../crm-filter.js';
import { restErrors } from '../errors.js';
import { paginate, type MethodTable } from '../method-types.js';
import { asRecord, asString } from '../params.js';
import { userFieldView } from '../userfield-model.js';

const MAX_FIELD_NAME = 50;

export const userFieldConfigMethods: MethodTable = {
  'userfieldconfig.add': {
    handler: (params, ctx) => {
      const moduleId = asString(params.moduleId);
      if (!moduleId) throw restErrors.emptyCode('moduleId is required');
      const field = asRecord(params.field);
      const entityId = asString(field.entityId);
      const fieldName = asString(field.fieldName);
      const userTypeId = asString(field.userTypeId);
      if (!entityId || !fieldName || !userTypeId) throw restErrors.emptyCode('entityId, fieldName and userTypeId are required');
      if (moduleId === 'crm' && !fieldName.startsWith('UF_CRM_')) throw restErrors.emptyCode('Field name must start with UF_CRM_');
      if (fieldName.length > MAX_FIELD_NAME) throw restErrors.emptyCode(`Field name is longer than ${MAX_FIELD_NAME} characters`);
      if (ctx.state.userFields.some((existing) => existing.entityId === entityId && existing.fieldName === fieldName)) {
        throw restErrors.emptyCode('A field with this name already exists');
      }
      const stored = ctx.state.addUserField({ ...field, entityId, fieldName, userTypeId }, moduleId);
      return { result: { field: userFieldView(stored) } };
    },
  },
  'userfieldconfig.list': {
    handler: (params, ctx) => {
      const moduleId = asString(params.moduleId);
      if (!moduleId) throw restErrors.emptyCode('moduleId is required');
      const rows = ctx.state.userFields.filter((field) => field.moduleId === moduleId && matchesFilter(field, asRecord(params.filter)));
      const order = params.order === undefined ? { id: 'ASC' } : asRecord(params.order);
      const { page, total, next } = paginate(sortRows(rows, order), params.start);
      return { result: { fields: page.map(userFieldView) }, total, next };
    },
  },
};
