import type { RobotCall, RobotOutcome } from './robot-call.js';

/**
 * The one declaration of every robot and BP activity this app registers in a portal (docs/adding-a-robot.md).
 * The ingress (dispatch and property validation), provisioning (bizproc.robot.add / bizproc.activity.add), the
 * workflows (their call and outcome types are derived from it) and the replay gate all read it, so codes, property
 * names and types cannot drift apart.
 */

export type PropertyType = 'bool' | 'date' | 'datetime' | 'double' | 'int' | 'select' | 'string' | 'text' | 'user';

export interface PropertyDeclaration {
  name: { en: string; ru?: string; de?: string };
  description?: { en: string; ru?: string; de?: string };
  type: PropertyType;
  required?: boolean;
  multiple?: boolean;
  options?: Record<string, string>;
  default?: string;
}

export type Kind = 'robot' | 'activity';

export interface RobotDeclaration {
  code: string;
  kind: Kind;
  /**
   * The workflow function the ingress starts for a call with this code. Checked at compile time against the exports
   * of workflows/index.ts and against the call and outcome types below (workflows/robot-workflows.ts).
   */
  workflowType: string;
  /** Short process name used in search attributes and summaries. */
  process: string;
  name: { en: string; ru?: string; de?: string };
  description: { en: string; ru?: string; de?: string };
  properties: Record<string, PropertyDeclaration>;
  returnProperties: Record<string, PropertyDeclaration>;
  /** `[module, documentClass, type]` for robots; activities may omit it (usable in any process). */
  documentType?: [string, string, string];
  useSubscription: true;
}

export const DEAL_DOCUMENT_TYPE: [string, string, string] = ['crm', 'CCrmDocumentDeal', 'DEAL'];

export const GET_1C_PRICE = {
  code: 'GET_1C_PRICE',
  kind: 'activity',
  workflowType: 'get1cPriceWorkflow',
  process: '1c-price',
  name: { en: 'Price from 1C', ru: 'Цена из 1С' },
  description: { en: 'Looks up the price and stock of an article in 1C', ru: 'Получает цену и наличие товара из 1С' },
  properties: {
    article: { name: { en: 'Article (SKU)', ru: 'Артикул' }, type: 'string', required: true },
  },
  returnProperties: {
    price: { name: { en: 'Price', ru: 'Цена' }, type: 'double' },
    available: { name: { en: 'Available', ru: 'В наличии' }, type: 'bool' },
  },
  useSubscription: true,
} as const satisfies RobotDeclaration;

export const ERP_CREATE_ORDER = {
  code: 'erp_create_order',
  kind: 'robot',
  workflowType: 'erpOrderWorkflow',
  process: 'erp-order',
  name: { en: 'Create ERP order', ru: 'Создать заказ в ERP' },
  description: {
    en: 'Creates the order in the ERP from the deal and its products, writes the order number to the deal',
    ru: 'Создаёт заказ в ERP по сделке и её товарам и записывает номер заказа в сделку',
  },
  properties: {
    comment: { name: { en: 'Comment', ru: 'Комментарий' }, type: 'string' },
  },
  returnProperties: {
    erp_order_id: { name: { en: 'ERP order number', ru: 'Номер заказа в ERP' }, type: 'string' },
    error: { name: { en: 'Error', ru: 'Ошибка' }, type: 'string' },
  },
  documentType: DEAL_DOCUMENT_TYPE,
  useSubscription: true,
} as const satisfies RobotDeclaration;

export const CHECK_CREDIT_LIMIT = {
  code: 'check_credit_limit',
  kind: 'activity',
  workflowType: 'creditCheckWorkflow',
  process: 'credit-check',
  name: { en: 'Check credit limit', ru: 'Проверить кредитный лимит' },
  description: {
    en: 'Reads the company credit limit and debt from the finance system and says whether the amount needs approval',
    ru: 'Получает кредитный лимит и задолженность компании из финансовой системы и определяет, нужно ли согласование',
  },
  properties: {
    company_id: { name: { en: 'Company ID', ru: 'ID компании' }, type: 'int', required: true },
    amount: { name: { en: 'Amount', ru: 'Сумма' }, type: 'double', required: true },
    currency: { name: { en: 'Currency', ru: 'Валюта' }, type: 'string' },
  },
  returnProperties: {
    available_limit: { name: { en: 'Available limit', ru: 'Доступный лимит' }, type: 'double' },
    approval_required: { name: { en: 'Approval required', ru: 'Требуется согласование' }, type: 'bool' },
    reason: { name: { en: 'Reason', ru: 'Причина' }, type: 'string' },
  },
  useSubscription: true,
} as const satisfies RobotDeclaration;

export const JIRA_CREATE_PROJECT = {
  code: 'jira_create_project',
  kind: 'robot',
  workflowType: 'jiraProjectWorkflow',
  process: 'jira-project',
  name: { en: 'Create Jira issue', ru: 'Создать задачу в Jira' },
  description: {
    en: 'Creates the Jira issue for the deal (once per deal) and returns its key',
    ru: 'Создаёт задачу в Jira по сделке (одну на сделку) и возвращает её ключ',
  },
  properties: {
    project_key: { name: { en: 'Jira project key', ru: 'Ключ проекта Jira' }, type: 'string', required: true },
  },
  returnProperties: {
    issue_id: { name: { en: 'Jira issue key', ru: 'Ключ задачи Jira' }, type: 'string' },
  },
  documentType: DEAL_DOCUMENT_TYPE,
  useSubscription: true,
} as const satisfies RobotDeclaration;

/** Every robot and activity of the app: adding one here is what registers it (docs/adding-a-robot.md). */
const DECLARED = [GET_1C_PRICE, ERP_CREATE_ORDER, CHECK_CREDIT_LIMIT, JIRA_CREATE_PROJECT] as const;

export const ROBOT_DECLARATIONS: readonly RobotDeclaration[] = DECLARED;
export type DeclaredRobot = (typeof DECLARED)[number];
export type RobotCode = DeclaredRobot['code'];

export function findRobotDeclaration(code: string): RobotDeclaration | undefined {
  return ROBOT_DECLARATIONS.find((declaration) => declaration.code === code);
}

/** A value as the ingress hands it to the workflow (api/schemas/robot-properties.ts parses it so). */
type ScalarOf<P extends PropertyDeclaration> = P['type'] extends 'int' | 'double'
  ? number
  : P['type'] extends 'bool'
    ? boolean
    : P['type'] extends 'select'
      ? P['options'] extends Record<infer K extends string, string>
        ? K
        : string
      : string;
type ValueOf<P extends PropertyDeclaration> = P['multiple'] extends true ? ScalarOf<P>[] : ScalarOf<P>;
/** Required, defaulted and multiple properties are always there (a blank multiple one is an empty list). */
type AlwaysPresent<P> = P extends { required: true } | { default: string } | { multiple: true } ? true : false;
type Flatten<T> = { [K in keyof T]: T[K] };

/** The properties object a robot's workflow receives, derived from its declaration. */
export type RobotProperties<D extends RobotDeclaration> = Flatten<
  { -readonly [K in keyof D['properties'] as AlwaysPresent<D['properties'][K]> extends true ? K : never]: ValueOf<D['properties'][K]> } & {
    -readonly [K in keyof D['properties'] as AlwaysPresent<D['properties'][K]> extends true ? never : K]?: ValueOf<D['properties'][K]>;
  }
>;

/** The return values a robot's workflow sends with bizproc.event.send: every declared return property. */
export type RobotReturnValues<D extends RobotDeclaration> = { -readonly [K in keyof D['returnProperties']]: ValueOf<D['returnProperties'][K]> };

/** What the workflow of robot D receives, and what it returns. */
export type RobotCallOf<D extends RobotDeclaration> = RobotCall<RobotProperties<D>>;
export type RobotOutcomeOf<D extends RobotDeclaration> = RobotOutcome<RobotReturnValues<D>>;
