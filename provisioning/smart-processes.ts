import { CLAIM_FIELD_SUFFIX, INVOICE_TOTAL_FIELD_SUFFIX } from '../contracts/crm-field-names.js';
import { SMART_PROCESS, type SmartProcessKey } from '../contracts/crm-processes.js';
import { ENTITY_TYPE } from '../contracts/documents.js';
import type { LocalizedText } from './bizproc-fields.js';

/** Our smart processes (contracts/crm-processes.ts). Their ids differ per portal: discovered by title (or a configured id), or created. */
export { SMART_PROCESS, type SmartProcessKey };

export interface UserFieldDeclaration {
  /** The name is `UF_CRM_{typeId}_{suffix}`, where typeId is the type's `id`, not its entityTypeId (docs/bitrix24.md). */
  suffix: string;
  userTypeId: 'string' | 'double' | 'integer' | 'boolean' | 'datetime';
  label: LocalizedText;
  multiple: boolean;
  mandatory: boolean;
}

export interface SmartProcessDeclaration {
  key: SmartProcessKey;
  /** Found by this exact title when no id is configured or recorded. */
  title: string;
  /** A configured entityTypeId: use (or create) exactly this type. */
  entityTypeId?: number;
  /** crm.type.add fields besides title and entityTypeId (flags and relations). */
  settings: Record<string, unknown>;
  fields: UserFieldDeclaration[];
}

/** The claim processes and provisioning share one set of field names. */
export const CLAIM_NUMBER_SUFFIX = CLAIM_FIELD_SUFFIX.number;
export const INVOICE_TOTAL_SUFFIX = INVOICE_TOTAL_FIELD_SUFFIX.total;
export const INVOICE_CURRENCY_SUFFIX = INVOICE_TOTAL_FIELD_SUFFIX.currency;

/** `UF_CRM_{typeId}_{suffix}`: typeId is the `id` from crm.type.list (e.g. 7), not the entityTypeId (e.g. 1030). */
export function userFieldName(typeId: number | string, suffix: string): string {
  return `UF_CRM_${typeId}_${suffix}`;
}

/** userfieldconfig `entityId` of deals (crm/universal/userfieldconfig/index.md "Identifiers for entityId"). */
export const DEAL_USER_FIELD_ENTITY = 'CRM_DEAL';

/** The userfieldconfig `entityId` of a smart process: `CRM_{typeId}`. */
export function userFieldEntityId(typeId: number | string): string {
  return `CRM_${typeId}`;
}

export function smartProcessDeclarations(ids: {
  claimEntityTypeId?: number | undefined;
  invoiceTotalEntityTypeId?: number | undefined;
}): SmartProcessDeclaration[] {
  return [
    {
      key: SMART_PROCESS.claim,
      title: 'Claim',
      ...(ids.claimEntityTypeId === undefined ? {} : { entityTypeId: ids.claimEntityTypeId }),
      settings: {
        isStagesEnabled: 'Y',
        isAutomationEnabled: 'Y',
        isBizProcEnabled: 'Y',
        isClientEnabled: 'Y',
        isObserversEnabled: 'Y',
        // A claim may name the deal it is about (parentId2).
        relations: { parent: [{ entityTypeId: ENTITY_TYPE.deal, isChildrenListEnabled: 'true' }] },
      },
      fields: [
        { suffix: CLAIM_NUMBER_SUFFIX, userTypeId: 'string', label: { en: 'Claim number', ru: 'Номер претензии' }, multiple: false, mandatory: false },
        {
          suffix: CLAIM_FIELD_SUFFIX.qualityTaskId,
          userTypeId: 'integer',
          label: { en: 'Quality task', ru: 'Задача отдела качества' },
          multiple: false,
          mandatory: false,
        },
        { suffix: CLAIM_FIELD_SUFFIX.dealId, userTypeId: 'integer', label: { en: 'Deal', ru: 'Сделка' }, multiple: false, mandatory: false },
      ],
    },
    {
      key: SMART_PROCESS.invoiceTotal,
      title: 'Invoice totals',
      ...(ids.invoiceTotalEntityTypeId === undefined ? {} : { entityTypeId: ids.invoiceTotalEntityTypeId }),
      settings: {
        isStagesEnabled: 'N',
        isAutomationEnabled: 'N',
        isBizProcEnabled: 'N',
        // No product linking, so no opportunity/currencyId on its items: the total lives in TOTAL and CURRENCY below.
        isLinkWithProductsEnabled: 'N',
        // One helper element per smart invoice, linked as its child (parentId31).
        relations: { parent: [{ entityTypeId: ENTITY_TYPE.smartInvoice, isChildrenListEnabled: 'true' }] },
      },
      fields: [
        { suffix: INVOICE_TOTAL_SUFFIX, userTypeId: 'double', label: { en: 'Total', ru: 'Итого' }, multiple: false, mandatory: false },
        { suffix: INVOICE_CURRENCY_SUFFIX, userTypeId: 'string', label: { en: 'Currency', ru: 'Валюта' }, multiple: false, mandatory: false },
      ],
    },
  ];
}
