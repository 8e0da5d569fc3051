/**
 * The one declaration of every robot and BP activity this app registers in a portal.
 * The ingress (dispatch and property validation), the workflows (return values) and provisioning
 * (bizproc.robot.add / bizproc.activity.add) all read it, so codes and property names cannot drift apart.
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
  /** The Temporal workflow type the ingress starts for a call with this code. */
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

export const ROBOT_DECLARATIONS: readonly RobotDeclaration[] = [GET_1C_PRICE, ERP_CREATE_ORDER, CHECK_CREDIT_LIMIT, JIRA_CREATE_PROJECT];

export function findRobotDeclaration(code: string): RobotDeclaration | undefined {
  return ROBOT_DECLARATIONS.find((declaration) => declaration.code === code);
}
