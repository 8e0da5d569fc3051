import { APP_LIFECYCLE_EVENTS, INSTALL_PATH } from '../contracts/bitrix24-app.js';
import { CRM_PROCESS_ENTRIES, crmProcessEvents, isDynamicItemEvent, type CrmProcessEntity } from '../contracts/crm-processes.js';
import { ENTITY_TYPE } from '../contracts/documents.js';
import { ROBOT_DECLARATIONS, type Kind, type RobotDeclaration } from '../contracts/robot-declarations.js';
import { bizprocFields, type BizprocFields } from './bizproc-fields.js';
import { shipmentListDeclaration, type ListDeclaration } from './shipment-list.js';
import {
  SMART_PROCESS,
  smartProcessDeclarations,
  type SmartProcessDeclaration,
  type UserFieldDeclaration,
} from './smart-processes.js';

/** Where Bitrix24 reaches the API; every handler URL we register starts with `${publicUrl}/bitrix24/`. */
export const HANDLER_PATHS = {
  bizproc: '/bitrix24/bizproc',
  events: '/bitrix24/events',
  placements: '/bitrix24/placements/runs',
  install: INSTALL_PATH,
} as const;

/**
 * Bitrix24's notice that offline records are queued, bound online to the events handler: it wakes the offline drain.
 * `minTimeout` is the least number of seconds between two notices (b24restdocs api-reference/events/on-offline-event.md).
 */
export const OFFLINE_QUEUE_NOTICE = { event: 'ONOFFLINEEVENT', minTimeoutSeconds: 1 } as const;

export interface BizprocDeclaration {
  kind: Kind;
  code: string;
  /** The workflow that answers the call; a waiting robot with no workflow would wait forever (warnings.ts). */
  workflowType: string;
  fields: BizprocFields;
}

/** A CRM entity type, either fixed (deal 2, smart invoice 31) or one of our smart processes, whose id is per portal. */
export type EntityTypeRef = CrmProcessEntity;

export interface EventDeclaration {
  /** Base event name; dynamic-item events are bound suffixed per type when the portal offers it (resolve.ts). */
  event: string;
  /** For ONCRMDYNAMICITEM* events: the type the ingress cares about. */
  entityType?: EntityTypeRef;
}

export interface PlacementDeclaration {
  target: EntityTypeRef;
  /** Placement code tail, e.g. `DETAIL_TAB` → `CRM_DEAL_DETAIL_TAB` / `CRM_DYNAMIC_{entityTypeId}_DETAIL_TAB`. */
  slot: string;
  title: string;
  description: string;
}

/** Everything the app registers in a portal, in code. Type-dependent names are resolved against the portal (resolve.ts). */
export interface AppDeclaration {
  handlers: { bizproc: string; events: string; placements: string; install: string };
  /** Online bindings and placements whose handler starts with this are ours to update or remove. */
  ownedHandlerPrefix: string;
  bizproc: BizprocDeclaration[];
  smartProcesses: SmartProcessDeclaration[];
  events: EventDeclaration[];
  /** ONAPPINSTALL/ONAPPUPDATE/ONAPPUNINSTALL, bound online to the install handler (never offline). */
  appEvents: readonly string[];
  /** Also bind every event with `event_type=offline`, and ONOFFLINEEVENT, for the loss-free drain. */
  offlineEvents: boolean;
  placements: PlacementDeclaration[];
  /** The universal list deal products are synced into (provisioning/shipment-list.ts). */
  shipmentList: ListDeclaration;
  /** User fields of deals, e.g. the ERP order number the ERP robot writes (entityId CRM_DEAL). */
  dealFields: DealFieldDeclaration[];
}

/** A deal user field, created with userfieldconfig.add (entityId `CRM_DEAL`, crm/universal/userfieldconfig/index.md). */
export interface DealFieldDeclaration extends Omit<UserFieldDeclaration, 'suffix'> {
  /** The full name, `UF_CRM_…`. */
  fieldName: string;
}

/** ERP_ORDER_FIELD's default (lib/config.ts). */
export const DEFAULT_ERP_ORDER_FIELD = 'UF_CRM_ERP_ORDER_ID';

export interface ProvisioningOptions {
  /** config PUBLIC_URL: the API's base URL as Bitrix24 reaches it. */
  publicUrl: string;
  /** Use this Claim type instead of discovering it by title (a future config CLAIM_ENTITY_TYPE_ID). */
  claimEntityTypeId?: number | undefined;
  /** Use this invoice-total helper type instead of discovering it (a future config INVOICE_TOTAL_ENTITY_TYPE_ID). */
  invoiceTotalEntityTypeId?: number | undefined;
  /** AUTH_USER_ID of every robot and activity: the user whose token Bitrix24 sends with a call. Default 1. */
  authUserId?: number | undefined;
  /** Robot and activity declarations; default ROBOT_DECLARATIONS (contracts/robot-declarations.ts). */
  robots?: readonly RobotDeclaration[] | undefined;
  /** Default true. */
  offlineEvents?: boolean | undefined;
  /** config SHIPMENT_LIST_IBLOCK_ID: use this list instead of finding (or creating) ours. */
  shipmentListIblockId?: number | undefined;
  /** config ERP_ORDER_FIELD: the deal field the ERP robot writes. Default UF_CRM_ERP_ORDER_ID. */
  erpOrderField?: string | undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function buildDeclaration(options: ProvisioningOptions): AppDeclaration {
  const base = trimSlash(options.publicUrl);
  const handlers = {
    bizproc: `${base}${HANDLER_PATHS.bizproc}`,
    events: `${base}${HANDLER_PATHS.events}`,
    placements: `${base}${HANDLER_PATHS.placements}`,
    install: `${base}${HANDLER_PATHS.install}`,
  };
  const authUserId = options.authUserId ?? 1;
  const claim = { smartProcess: SMART_PROCESS.claim } as const;
  return {
    handlers,
    ownedHandlerPrefix: `${base}/bitrix24/`,
    bizproc: (options.robots ?? ROBOT_DECLARATIONS).map((robot) => ({
      kind: robot.kind,
      code: robot.code,
      workflowType: robot.workflowType,
      fields: bizprocFields(robot, { handler: handlers.bizproc, authUserId }),
    })),
    smartProcesses: smartProcessDeclarations({
      claimEntityTypeId: options.claimEntityTypeId,
      invoiceTotalEntityTypeId: options.invoiceTotalEntityTypeId,
    }),
    events: crmProcessBindings(),
    appEvents: APP_LIFECYCLE_EVENTS,
    offlineEvents: options.offlineEvents ?? true,
    placements: [
      { target: claim, slot: 'DETAIL_TAB', title: 'Workflow runs', description: 'Durable workflow runs of this claim' },
      {
        target: { entityTypeId: ENTITY_TYPE.deal },
        slot: 'DETAIL_TAB',
        title: 'Workflow runs',
        description: 'Durable workflow runs of this deal',
      },
    ],
    shipmentList: shipmentListDeclaration(options.shipmentListIblockId),
    dealFields: [
      {
        fieldName: options.erpOrderField ?? DEFAULT_ERP_ORDER_FIELD,
        userTypeId: 'string',
        label: { en: 'ERP order number', ru: 'Номер заказа в ERP' },
        multiple: false,
        mandatory: false,
      },
    ],
  };
}

/** One binding per event of every CRM process (contracts/crm-processes.ts); dynamic-item events name their type. */
function crmProcessBindings(): EventDeclaration[] {
  return CRM_PROCESS_ENTRIES.flatMap(({ entity }) =>
    crmProcessEvents(entity).map((event) => (isDynamicItemEvent(event) ? { event, entityType: entity } : { event })),
  );
}
