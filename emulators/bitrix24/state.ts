import { randomBytes } from 'node:crypto';
import { CrmItemStore, type CrmItem } from './crm-store.js';
import type { EmulatorClock } from './clock.js';
import type { RobotInvocation } from './robot-invocation.js';
import { addList, addListField, type ListElement, type ListIblock, type ListProperty, type NewList, type NewListField } from './list-model.js';
import { crmTypeFrom, type CrmType } from './crm-type-model.js';
import { enumEntries } from './userfield-model.js';

export type { CrmType } from './crm-type-model.js';
export type { ListElement, ListIblock, ListProperty } from './list-model.js';

export interface PortalUser {
  ID: string;
  ACTIVE: boolean;
  NAME: string;
  LAST_NAME: string;
  EMAIL: string;
  IS_ADMIN: boolean;
  UF_DEPARTMENT: number[];
  TIME_ZONE: string;
  WORK_POSITION: string;
}

export interface Department {
  ID: string;
  NAME: string;
  SORT: number;
  PARENT?: string;
  UF_HEAD?: string;
}

export interface ProductRow {
  id: number;
  ownerId: number;
  ownerType: string;
  productId: number;
  productName: string;
  price: number;
  priceAccount: number;
  priceExclusive: number;
  priceNetto: number;
  priceBrutto: number;
  quantity: number;
  discountTypeId: number;
  discountRate: number;
  discountSum: number;
  taxRate: number | null;
  taxIncluded: 'Y' | 'N';
  customized: 'Y' | 'N';
  measureCode: number;
  measureName: string;
  sort: number;
  xmlId: string;
  type: number;
  storeId: number | null;
}

/** A `bizproc.robot.add` / `bizproc.activity.add` registration, kept as sent (UPPER_CASE keys). */
export type BizprocRegistration = Record<string, unknown> & { CODE: string; HANDLER: string };

export interface EventBinding {
  id: number;
  event: string;
  handler: string;
  authType: number;
  offline: boolean;
  /** The `auth_connector` the binding call carried; '' for none (core keeps CONNECTOR_ID '' then). */
  connectorId: string;
  /** `options` kept as the event allows them (ONOFFLINEEVENT: `minTimeout`, an integer). */
  options: Record<string, number | string>;
}

/** A row of the portal's offline queue (core table b_rest_event_offline). */
export interface OfflineEvent {
  ID: number;
  TIMESTAMP_X: string;
  EVENT_NAME: string;
  EVENT_DATA: Record<string, unknown>;
  EVENT_ADDITIONAL: Record<string, unknown>;
  MESSAGE_ID: string;
  /** The queue is split by source: only calls passing the same `auth_connector` see this row ('' = none). */
  connectorId: string;
  /** Set while reserved by `event.offline.get` with `clear=0`. */
  processId?: string;
  error: boolean;
}

/** `feature.get` codes the emulator knows (b24restdocs api-reference/common/system/feature-get.md). */
export const FEATURE_CODES = { offlineExtended: 'rest_offline_extended', authConnector: 'rest_auth_connector' } as const;
export type FeatureCode = (typeof FEATURE_CODES)[keyof typeof FEATURE_CODES];

/** CHOICE: a plan with both (Professional and above), the plan this app is built for; tests switch them off. */
export function defaultFeatures(): Record<FeatureCode, boolean> {
  return { rest_offline_extended: true, rest_auth_connector: true };
}

export interface Delivery {
  kind: 'robot' | 'event' | 'install';
  url: string;
  event?: string;
  at: number;
  status: number | null;
  error?: string;
}

export interface Placement {
  placement: string;
  /** 0 for every user; set only for placements bound per user (PAGE_BACKGROUND_WORKER). */
  userId: number;
  handler: string;
  title: string;
  description: string;
  options: unknown;
  langAll: unknown;
}

/** The product-row owner code of a CRM type (`D` deal, `L` lead, `Q` quote, `SI` smart invoice, `T{hex}` smart process). */
export function productOwnerType(entityTypeId: number): string {
  const fixed: Record<number, string> = { 1: 'L', 2: 'D', 7: 'Q', 31: 'SI' };
  return fixed[entityTypeId] ?? `T${entityTypeId.toString(16)}`;
}

/** Base CRM types every portal has; smart processes come from crmTypes. */
export const BUILT_IN_ENTITY_TYPES = [1, 2, 3, 4, 7, 31] as const;

function seedUsers(): PortalUser[] {
  const user = (id: number, name: string, lastName: string, department: number, admin: boolean): PortalUser => ({
    ID: String(id),
    ACTIVE: true,
    NAME: name,
    LAST_NAME: lastName,
    EMAIL: `${name.toLowerCase()}@emulated.example`,
    IS_ADMIN: admin,
    UF_DEPARTMENT: [department],
    TIME_ZONE: 'Europe/Berlin',
    WORK_POSITION: admin ? 'Administrator' : 'Manager',
  });
  return [user(1, 'Admin', 'Emulated', 1, true), user(2, 'Quinn', 'Quality', 2, false), user(3, 'Sam', 'Sales', 3, false)];
}

function seedDepartments(): Department[] {
  return [
    { ID: '1', NAME: 'Emulated company', SORT: 500, UF_HEAD: '1' },
    { ID: '2', NAME: 'Quality department', SORT: 500, PARENT: '1', UF_HEAD: '2' },
    { ID: '3', NAME: 'Sales department', SORT: 500, PARENT: '1', UF_HEAD: '3' },
  ];
}

/** In-memory portal state. Tests read it directly and seed it with the helpers below. */
export class EmulatorState {
  /** Stable per portal; delivered in every `auth[application_token]`. */
  readonly applicationToken = randomBytes(16).toString('hex');
  readonly items: CrmItemStore;
  users: PortalUser[] = seedUsers();
  departments: Department[] = seedDepartments();
  productRows = new Map<string, ProductRow[]>();
  crmTypes: CrmType[] = [];
  userFields: Record<string, unknown>[] = [];
  tasks: Record<string, unknown>[] = [];
  timelineMessages: Record<string, unknown>[] = [];
  notifications: { id: number; userId: number; message: string; tag?: string; kind: 'system' | 'personal'; fromUserId: number }[] = [];
  robots = new Map<string, BizprocRegistration>();
  activities = new Map<string, BizprocRegistration>();
  eventBindings: EventBinding[] = [];
  offlineEvents: OfflineEvent[] = [];
  /** The portal's plan, as `feature.get` reports it. */
  features: Record<FeatureCode, boolean> = defaultFeatures();
  placements: Placement[] = [];
  lists: ListIblock[] = [];
  listProperties: ListProperty[] = [];
  listElements: ListElement[] = [];
  robotInvocations = new Map<string, RobotInvocation>();
  deliveries: Delivery[] = [];
  installs: { event: string; at: number; status: number | null }[] = [];
  /** False until the install completes (API-only callback sent, or BX24.installFinish() called). */
  appInstalled = false;
  /** The app version installed; every app update adds one. */
  appVersion = 1;
  /** Browser installs whose page has not called BX24.installFinish() yet, by APP_SID. */
  pendingInstalls = new Map<string, { userId: number; installUrl: string }>();
  webhooks = new Map<string, number>();
  private sequences = new Map<string, number>();

  constructor(readonly clock: EmulatorClock) {
    this.items = new CrmItemStore(() => clock.nowMs());
  }

  nextId(sequence: string): number {
    const next = (this.sequences.get(sequence) ?? 0) + 1;
    this.sequences.set(sequence, next);
    return next;
  }

  /** Seeds a CRM item without emitting events (setup, not a user action). Registers the smart-process type if needed. */
  addItem(entityTypeId: number, fields: Record<string, unknown> = {}): CrmItem {
    if (!this.isKnownEntityType(entityTypeId) && entityTypeId >= 128) this.addCrmType({ entityTypeId, title: `Smart process ${entityTypeId}` });
    return this.items.add(entityTypeId, fields);
  }

  getItem(entityTypeId: number, id: number): CrmItem | undefined {
    return this.items.get(entityTypeId, id);
  }

  /** Replaces the product rows of an owner (`D` deal, `SI` smart invoice, `T{hex}` smart process). */
  setProductRows(ownerType: string, ownerId: number, rows: Partial<ProductRow>[]): ProductRow[] {
    const stored = rows.map((row, index) => this.productRow(ownerType, ownerId, row, index));
    this.productRows.set(`${ownerType}:${ownerId}`, stored);
    return stored;
  }

  getProductRows(ownerType: string, ownerId: number): ProductRow[] {
    return this.productRows.get(`${ownerType}:${ownerId}`) ?? [];
  }

  /**
   * Adds a smart-process type with the defaults of crm.type.add (every flag `N` unless given, crm-type-add.md), as a
   * portal administrator or crm.type.add would. `userId` is the creator.
   */
  addCrmType(fields: Record<string, unknown> & { title: string; entityTypeId?: number }, userId = 1): CrmType {
    const id = this.nextId('crmType');
    const entityTypeId = fields.entityTypeId ?? this.nextFreeEntityTypeId();
    const type = crmTypeFrom(fields, { id, entityTypeId, userId, nowMs: this.clock.nowMs() });
    this.crmTypes.push(type);
    return type;
  }

  isKnownEntityType(entityTypeId: number): boolean {
    return (
      (BUILT_IN_ENTITY_TYPES as readonly number[]).includes(entityTypeId) ||
      this.crmTypes.some((type) => type.entityTypeId === entityTypeId)
    );
  }

  /** Seeds a universal list, as `lists.add` would create it. */
  addList(input: Omit<NewList, 'typeId'> & { typeId?: string }): ListIblock {
    return addList(this, { typeId: 'lists', ...input });
  }

  /** Seeds a list field, as `lists.field.add` would; answers its field id (`PROPERTY_<id>`). */
  addListField(iblockId: number, fields: NewListField): string {
    const list = this.lists.find((candidate) => candidate.ID === iblockId);
    if (!list) throw new Error(`no list ${iblockId}`);
    return addListField(this, list, fields);
  }

  /** Adds a user field as userfieldconfig.add stores it (`entityId` CRM_DEAL, CRM_{typeId}, ...; `UF_CRM_…` name). */
  addUserField(field: Record<string, unknown> & { entityId: string; fieldName: string; userTypeId: string }, moduleId = 'crm'): Record<string, unknown> {
    const id = this.nextId('userField');
    const values = field.userTypeId === 'enumeration' ? { enum: enumEntries(field.enum, id, () => this.nextId('userFieldEnum')) } : {};
    const stored = { multiple: 'N', mandatory: 'N', sort: '100', ...field, ...values, id, moduleId };
    this.userFields.push(stored);
    return stored;
  }

  addUser(fields: Partial<PortalUser> & { NAME: string }): PortalUser {
    const id = Math.max(0, ...this.users.map((user) => Number(user.ID))) + 1;
    const user: PortalUser = {
      ACTIVE: true,
      LAST_NAME: '',
      EMAIL: `${fields.NAME.toLowerCase()}@emulated.example`,
      IS_ADMIN: false,
      UF_DEPARTMENT: [1],
      TIME_ZONE: 'Europe/Berlin',
      WORK_POSITION: '',
      ...fields,
      ID: String(id),
    };
    this.users.push(user);
    return user;
  }

  addDepartment(fields: Omit<Department, 'ID'>): Department {
    const id = Math.max(0, ...this.departments.map((department) => Number(department.ID))) + 1;
    const department: Department = { ...fields, ID: String(id) };
    this.departments.push(department);
    return department;
  }

  addWebhook(userId: number): string {
    const code = randomBytes(8).toString('hex');
    this.webhooks.set(code, userId);
    return code;
  }

  /** App update or reinstall: Bitrix24 drops robots, activities and event handlers of the app. */
  dropAppRegistrations(): void {
    this.robots.clear();
    this.activities.clear();
    this.eventBindings = [];
  }

  /** Clears portal data back to the seed; keeps OAuth grants, webhooks, the application token and the install state. */
  reset(): void {
    this.items.clear();
    this.users = seedUsers();
    this.departments = seedDepartments();
    this.productRows.clear();
    this.crmTypes = [];
    this.userFields = [];
    this.tasks = [];
    this.timelineMessages = [];
    this.notifications = [];
    this.robots.clear();
    this.activities.clear();
    this.eventBindings = [];
    this.offlineEvents = [];
    this.features = defaultFeatures();
    this.placements = [];
    this.lists = [];
    this.listProperties = [];
    this.listElements = [];
    this.robotInvocations.clear();
    this.deliveries = [];
    this.installs = [];
    this.sequences.clear();
  }

  snapshot(): Record<string, unknown> {
    return {
      items: this.items.snapshot(),
      users: this.users,
      departments: this.departments,
      productRows: Object.fromEntries(this.productRows),
      crmTypes: this.crmTypes,
      userFields: this.userFields,
      tasks: this.tasks,
      timelineMessages: this.timelineMessages,
      notifications: this.notifications,
      robots: [...this.robots.values()],
      activities: [...this.activities.values()],
      eventBindings: this.eventBindings,
      offlineEvents: this.offlineEvents,
      features: this.features,
      placements: this.placements,
      lists: this.lists,
      listProperties: this.listProperties,
      listElements: this.listElements,
      robotInvocations: [...this.robotInvocations.values()],
      deliveries: this.deliveries,
      installs: this.installs,
      appInstalled: this.appInstalled,
      appVersion: this.appVersion,
    };
  }

  private nextFreeEntityTypeId(): number {
    let candidate = 1030;
    while (this.isKnownEntityType(candidate)) candidate += 2;
    return candidate;
  }

  private productRow(ownerType: string, ownerId: number, row: Partial<ProductRow>, index: number): ProductRow {
    const price = row.price ?? 0;
    return {
      productId: 0,
      productName: `Product ${index + 1}`,
      price,
      priceAccount: price,
      priceExclusive: price,
      priceNetto: price,
      priceBrutto: price,
      quantity: 1,
      discountTypeId: 2,
      discountRate: 0,
      discountSum: 0,
      taxRate: null,
      taxIncluded: 'N',
      customized: 'Y',
      measureCode: 796,
      measureName: 'pcs',
      sort: (index + 1) * 10,
      xmlId: '',
      type: 1,
      storeId: null,
      ...row,
      id: row.id ?? this.nextId('productRow'),
      ownerId,
      ownerType,
    };
  }
}
