import { isoWithOffset } from '../clock.js';
import { RestError } from '../errors.js';
import { paginate, type MethodContext, type MethodDefinition, type MethodTable } from '../method-types.js';
import { asRecord, paramCI, type Params } from '../params.js';
import type { RobotInvocation } from '../types.js';

/** Fields of a running workflow (b24restdocs api-reference/bizproc/bizproc-workflow-instances.md). */
const FIELDS = ['ID', 'MODIFIED', 'OWNED_UNTIL', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'TEMPLATE_ID'] as const;
type Field = (typeof FIELDS)[number];
const DATE_FIELDS = new Set<Field>(['MODIFIED', 'OWNED_UNTIL', 'STARTED']);
const DEFAULT_SELECT: Field[] = ['ID', 'MODIFIED', 'OWNED_UNTIL'];
/** Filter prefixes the docs list; no prefix compares for equality. */
const OPERATIONS = ['!=', '<=', '>=', '=', '!', '<', '>', ''] as const;

type Row = Record<Field, string | null>;

function asField(name: string): Field | undefined {
  const upper = name.toUpperCase();
  return FIELDS.find((field) => field === upper);
}

function rowOf(invocation: RobotInvocation): Row {
  const [moduleId, entity, documentId] = invocation.documentId;
  return {
    ID: invocation.bizprocWorkflowId,
    MODIFIED: isoWithOffset(invocation.firedAt),
    OWNED_UNTIL: null,
    MODULE_ID: moduleId,
    ENTITY: entity,
    DOCUMENT_ID: documentId,
    STARTED: isoWithOffset(invocation.firedAt),
    // Robots run in processes automation starts (the docs' example shows "0" for such a process).
    STARTED_BY: '0',
    TEMPLATE_ID: '1',
  };
}

function compare(field: Field, actual: string | null, expected: unknown): number {
  if (DATE_FIELDS.has(field)) return (Date.parse(actual ?? '') || 0) - (Date.parse(String(expected)) || 0);
  const [left, right] = [String(actual ?? ''), String(expected ?? '')];
  if (/^-?\d+$/.test(left) && /^-?\d+$/.test(right)) return Number(left) - Number(right);
  return left < right ? -1 : left > right ? 1 : 0;
}

function matches(row: Row, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, expected]) => {
    const operation = OPERATIONS.find((prefix) => key.startsWith(prefix) && asField(key.slice(prefix.length)) !== undefined);
    // An unknown field is ignored, as core's filter builder skips it.
    if (operation === undefined) return true;
    const field = asField(key.slice(operation.length)) as Field;
    const result = compare(field, row[field], expected);
    switch (operation) {
      case '!':
      case '!=':
        return result !== 0;
      case '<':
        return result < 0;
      case '<=':
        return result <= 0;
      case '>':
        return result > 0;
      case '>=':
        return result >= 0;
      default:
        return result === 0;
    }
  });
}

function requireAdmin(ctx: MethodContext): void {
  const user = ctx.state.users.find((candidate) => candidate.ID === String(ctx.caller.userId));
  if (!user?.IS_ADMIN) throw new RestError(403, 'ACCESS_DENIED', 'Access denied!');
}

function listInstances(params: Params, ctx: MethodContext) {
  requireAdmin(ctx);
  const requested = Object.values(asRecord(paramCI(params, 'SELECT'))).map((name) => asField(String(name)));
  const selected = requested.filter((field): field is Field => field !== undefined);
  const select = selected.length > 0 ? [...new Set(selected)] : DEFAULT_SELECT;
  const filter = asRecord(paramCI(params, 'FILTER'));
  const orderEntries = Object.entries(asRecord(paramCI(params, 'ORDER')))
    .map(([name, direction]) => [asField(name), String(direction).toUpperCase() === 'DESC' ? -1 : 1] as const)
    .filter((entry): entry is readonly [Field, 1 | -1] => entry[0] !== undefined);
  const order = orderEntries.length > 0 ? orderEntries : ([['MODIFIED', -1]] as const);

  const rows = ctx.robots
    .runningInstances()
    .map(rowOf)
    .filter((row) => matches(row, filter))
    .sort((left, right) => {
      for (const [field, direction] of order) {
        const result = compare(field, left[field], right[field]);
        if (result !== 0) return result * direction;
      }
      return 0;
    });
  const { page, total, next } = paginate(rows, paramCI(params, 'start'));
  const result = page.map((row) => Object.fromEntries(select.map((field) => [field, row[field]])));
  return { result, ...(total === undefined ? {} : { total }), ...(next === undefined ? {} : { next }) };
}

const instances: MethodDefinition = { handler: listInstances };

/** `bizproc.workflow.instances` and its older alias `bizproc.workflow.instance.list`; administrators only. */
export const bizprocWorkflowMethods: MethodTable = {
  'bizproc.workflow.instances': instances,
  'bizproc.workflow.instance.list': instances,
};
