import { EMULATOR_DEFAULTS, type Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';

export interface Answer {
  status: number;
  body: unknown;
}

export interface RestContext {
  portal: Bitrix24Emulator;
  /** Calls a method with a token of the user (`as`, default 1, the administrator) or through an inbound webhook. */
  rest(method: string, params?: Record<string, unknown>, options?: { as?: number | 'webhook' }): Promise<Answer>;
  /** A token pair Bitrix24 delivered for the user (taken from a robot call). */
  tokensOf(userId: number): Promise<{ accessToken: string; refreshToken: string }>;
  /** The event token of a robot call that still waits for bizproc.event.send. */
  waitingEventToken(): Promise<string>;
  /** A loopback URL the portal may register as a handler. */
  handlerUrl: string;
}

/** Produces one documented answer of a method from the emulator: sets up what it needs, then makes the call. */
export type Scenario = (ctx: RestContext) => Promise<Answer>;

const ADMIN = 1;
/** Seeded user 3 (Sam Sales) is not an administrator. */
const EMPLOYEE = 3;
const DEAL = 2;

function registration(ctx: RestContext, code: string, overrides: Record<string, unknown> = {}) {
  return {
    CODE: code,
    HANDLER: ctx.handlerUrl,
    NAME: { en: 'Conformance robot' },
    USE_SUBSCRIPTION: 'Y',
    PROPERTIES: { article: { Name: 'Article', Type: 'string', Required: 'Y' } },
    RETURN_PROPERTIES: { price: { Name: 'Price', Type: 'double' } },
    ...overrides,
  };
}

function registrationScenarios(prefix: 'bizproc.robot' | 'bizproc.activity'): Record<string, Record<string, Scenario>> {
  const add = (ctx: RestContext, code = 'conformance_robot') => ctx.rest(`${prefix}.add`, registration(ctx, code));
  return {
    [`${prefix}.add`]: {
      added: (ctx) => add(ctx),
      'code taken': async (ctx) => {
        await add(ctx);
        return add(ctx);
      },
      'bad handler protocol': (ctx) => ctx.rest(`${prefix}.add`, registration(ctx, 'ftp_robot', { HANDLER: 'ftp://127.0.0.1/handler' })),
      webhook: (ctx) => ctx.rest(`${prefix}.add`, registration(ctx, 'hooked'), { as: 'webhook' }),
      'not an administrator': (ctx) => ctx.rest(`${prefix}.add`, registration(ctx, 'employee_robot'), { as: EMPLOYEE }),
    },
    [`${prefix}.update`]: {
      updated: async (ctx) => {
        await add(ctx);
        return ctx.rest(`${prefix}.update`, { CODE: 'conformance_robot', FIELDS: { NAME: { en: 'Renamed' } } });
      },
      'unknown code': (ctx) => ctx.rest(`${prefix}.update`, { CODE: 'nobody', FIELDS: { NAME: 'x' } }),
      'no fields': async (ctx) => {
        await add(ctx);
        return ctx.rest(`${prefix}.update`, { CODE: 'conformance_robot', FIELDS: {} });
      },
    },
    [`${prefix}.delete`]: {
      deleted: async (ctx) => {
        await add(ctx);
        return ctx.rest(`${prefix}.delete`, { CODE: 'conformance_robot' });
      },
      'unknown code': (ctx) => ctx.rest(`${prefix}.delete`, { CODE: 'nobody' }),
    },
    [`${prefix}.list`]: {
      listed: async (ctx) => {
        await add(ctx);
        return ctx.rest(`${prefix}.list`);
      },
      webhook: (ctx) => ctx.rest(`${prefix}.list`, {}, { as: 'webhook' }),
      'not an administrator': (ctx) => ctx.rest(`${prefix}.list`, {}, { as: EMPLOYEE }),
    },
  };
}

async function addDeal(ctx: RestContext): Promise<number> {
  const answer = await ctx.rest('crm.item.add', { entityTypeId: DEAL, fields: { title: 'Conformance deal', currencyId: 'EUR', opportunity: 1200 } });
  return Number((answer.body as { result: { item: { id: number } } }).result.item.id);
}

const LIST_TYPE = 'lists';

/** A list with one string property, created as provisioning creates the shipment list; answers its id and the property's field id. */
async function addList(ctx: RestContext, code = 'shipments'): Promise<{ list: { IBLOCK_TYPE_ID: string; IBLOCK_ID: number }; property: string }> {
  const added = await ctx.rest('lists.add', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_CODE: code, FIELDS: { NAME: 'Shipments' } });
  const list = { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_ID: Number((added.body as { result: number }).result) };
  const field = await ctx.rest('lists.field.add', { ...list, FIELDS: { NAME: 'Product', TYPE: 'S', CODE: 'PRODUCT' } });
  return { list, property: String((field.body as { result: string }).result) };
}

async function addElement(ctx: RestContext, code = 'element_1') {
  const { list, property } = await addList(ctx);
  const answer = await ctx.rest('lists.element.add', { ...list, ELEMENT_CODE: code, FIELDS: { NAME: 'Shipment', [property]: 'Pump' } });
  return { list, property, answer };
}

async function offlineRecord(ctx: RestContext): Promise<string> {
  await ctx.rest('event.bind', { event: 'ONCRMDEALADD', event_type: 'offline' });
  ctx.portal.userAddsItem(DEAL, { title: 'Offline deal' });
  const answer = await ctx.rest('event.offline.get', { clear: 0 });
  return String((answer.body as { result: { process_id: string } }).result.process_id);
}

function bindPlacement(ctx: RestContext) {
  return ctx.rest('placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: ctx.handlerUrl, TITLE: 'Runs' });
}

/** Keyed by method, then by the answer's name in the facts. */
export const REST_SCENARIOS: Record<string, Record<string, Scenario>> = {
  'bizproc.event.send': {
    sent: async (ctx) => ctx.rest('bizproc.event.send', { EVENT_TOKEN: await ctx.waitingEventToken(), RETURN_VALUES: { price: 10 } }),
    'unknown event token': (ctx) => ctx.rest('bizproc.event.send', { EVENT_TOKEN: 'a.b|A1_2_3_4|xyz.0000', RETURN_VALUES: {} }),
  },
  'bizproc.activity.log': {
    logged: async (ctx) => ctx.rest('bizproc.activity.log', { EVENT_TOKEN: await ctx.waitingEventToken(), LOG_MESSAGE: 'Asked 1C' }),
    'empty message': async (ctx) => ctx.rest('bizproc.activity.log', { EVENT_TOKEN: await ctx.waitingEventToken(), LOG_MESSAGE: '' }),
    'unknown event token': (ctx) => ctx.rest('bizproc.activity.log', { EVENT_TOKEN: 'a.b|A1_2_3_4|xyz.0000', LOG_MESSAGE: 'x' }),
  },
  ...registrationScenarios('bizproc.robot'),
  ...registrationScenarios('bizproc.activity'),
  'bizproc.workflow.instances': {
    listed: async (ctx) => {
      await ctx.waitingEventToken();
      // The fields of the docs' example; the app itself asks for ID, MODULE_ID, ENTITY, DOCUMENT_ID.
      return ctx.rest('bizproc.workflow.instances', { select: ['ID', 'OWNED_UNTIL', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'TEMPLATE_ID'] });
    },
    'not an administrator': (ctx) => ctx.rest('bizproc.workflow.instances', {}, { as: EMPLOYEE }),
  },

  'crm.item.add': {
    added: (ctx) => ctx.rest('crm.item.add', { entityTypeId: DEAL, fields: { title: 'Conformance deal' } }),
    'unknown entity type': (ctx) => ctx.rest('crm.item.add', { entityTypeId: 190, fields: { title: 'x' } }),
  },
  'crm.item.get': {
    found: async (ctx) => ctx.rest('crm.item.get', { entityTypeId: DEAL, id: await addDeal(ctx) }),
    'no such item': (ctx) => ctx.rest('crm.item.get', { entityTypeId: DEAL, id: 999 }),
  },
  'crm.item.update': {
    updated: async (ctx) => ctx.rest('crm.item.update', { entityTypeId: DEAL, id: await addDeal(ctx), fields: { title: 'Renamed' } }),
    'no such item': (ctx) => ctx.rest('crm.item.update', { entityTypeId: DEAL, id: 999, fields: { title: 'x' } }),
  },
  'crm.item.delete': {
    deleted: async (ctx) => ctx.rest('crm.item.delete', { entityTypeId: DEAL, id: await addDeal(ctx) }),
    'no such item': (ctx) => ctx.rest('crm.item.delete', { entityTypeId: DEAL, id: 999 }),
  },
  'crm.item.list': {
    listed: async (ctx) => {
      await addDeal(ctx);
      await addDeal(ctx);
      return ctx.rest('crm.item.list', { entityTypeId: DEAL, select: ['id', 'title'] });
    },
    'bad order direction': (ctx) => ctx.rest('crm.item.list', { entityTypeId: DEAL, order: { id: 'UPWARDS' } }),
  },
  'crm.item.productrow.list': {
    listed: async (ctx) => {
      const id = await addDeal(ctx);
      ctx.portal.state.setProductRows('D', id, [{ productId: 7, productName: 'Pump', price: 600, quantity: 2 }]);
      return ctx.rest('crm.item.productrow.list', { filter: { '=ownerType': 'D', '=ownerId': id } });
    },
    'no owner filter': (ctx) => ctx.rest('crm.item.productrow.list', {}),
  },
  'crm.item.productrow.set': {
    set: async (ctx) =>
      ctx.rest('crm.item.productrow.set', {
        ownerType: 'D',
        ownerId: await addDeal(ctx),
        productRows: [{ productId: 7, productName: 'Pump', price: 600, quantity: 2 }],
      }),
  },
  'crm.deal.get': {
    found: async (ctx) => ctx.rest('crm.deal.get', { id: await addDeal(ctx) }),
    'no such deal': (ctx) => ctx.rest('crm.deal.get', { id: 999 }),
  },
  'crm.deal.update': {
    updated: async (ctx) => ctx.rest('crm.deal.update', { id: await addDeal(ctx), fields: { TITLE: 'Renamed' } }),
    'no such deal': (ctx) => ctx.rest('crm.deal.update', { id: 999, fields: { TITLE: 'x' } }),
  },
  'crm.type.add': {
    added: (ctx) => ctx.rest('crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } }),
    'entityTypeId out of range': (ctx) => ctx.rest('crm.type.add', { fields: { title: 'Claim', entityTypeId: 200 } }),
  },
  'crm.type.list': {
    listed: async (ctx) => {
      await ctx.rest('crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } });
      return ctx.rest('crm.type.list');
    },
  },
  'crm.type.getByEntityTypeId': {
    found: async (ctx) => {
      await ctx.rest('crm.type.add', { fields: { title: 'Claim', entityTypeId: 1030 } });
      return ctx.rest('crm.type.getByEntityTypeId', { entityTypeId: 1030 });
    },
    'no such type': (ctx) => ctx.rest('crm.type.getByEntityTypeId', { entityTypeId: 1032 }),
  },
  'userfieldconfig.add': {
    added: (ctx) =>
      ctx.rest('userfieldconfig.add', {
        moduleId: 'crm',
        field: { entityId: 'CRM_1', fieldName: 'UF_CRM_1_CLAIM_NUMBER', userTypeId: 'string', editFormLabel: { en: 'Claim number' } },
      }),
    'no field name': (ctx) => ctx.rest('userfieldconfig.add', { moduleId: 'crm', field: { entityId: 'CRM_1', userTypeId: 'string' } }),
  },
  'userfieldconfig.list': {
    'deal fields': async (ctx) => {
      await ctx.rest('userfieldconfig.add', {
        moduleId: 'crm',
        field: { entityId: 'CRM_DEAL', fieldName: 'UF_CRM_ERP_ORDER_ID', userTypeId: 'string', editFormLabel: { en: 'ERP order' } },
      });
      return ctx.rest('userfieldconfig.list', { moduleId: 'crm', filter: { entityId: 'CRM_DEAL' } });
    },
    listed: async (ctx) => {
      await ctx.rest('userfieldconfig.add', {
        moduleId: 'crm',
        field: { entityId: 'CRM_1', fieldName: 'UF_CRM_1_CLAIM_NUMBER', userTypeId: 'string', editFormLabel: { en: 'Claim number' } },
      });
      return ctx.rest('userfieldconfig.list', { moduleId: 'crm' });
    },
  },
  'crm.timeline.logmessage.add': {
    added: async (ctx) =>
      ctx.rest('crm.timeline.logmessage.add', { fields: { entityTypeId: DEAL, entityId: await addDeal(ctx), title: 'ERP', text: 'Order 7 created' } }),
    'no such item': (ctx) =>
      ctx.rest('crm.timeline.logmessage.add', { fields: { entityTypeId: DEAL, entityId: 999, title: 'ERP', text: 'Order 7 created' } }),
    'no fields': (ctx) => ctx.rest('crm.timeline.logmessage.add', {}),
  },
  'crm.timeline.logmessage.list': {
    listed: async (ctx) => {
      const entityId = await addDeal(ctx);
      await ctx.rest('crm.timeline.logmessage.add', { fields: { entityTypeId: DEAL, entityId, title: 'ERP', text: 'Order 7 created' } });
      return ctx.rest('crm.timeline.logmessage.list', { entityTypeId: DEAL, entityId });
    },
    'no entity': (ctx) => ctx.rest('crm.timeline.logmessage.list', {}),
  },

  'user.current': { found: (ctx) => ctx.rest('user.current') },
  'user.admin': { asked: (ctx) => ctx.rest('user.admin') },
  'user.get': { found: (ctx) => ctx.rest('user.get', { ID: 2 }) },
  'department.get': { found: (ctx) => ctx.rest('department.get') },
  'app.info': {
    found: (ctx) => ctx.rest('app.info'),
    webhook: (ctx) => ctx.rest('app.info', {}, { as: 'webhook' }),
  },
  'im.notify.system.add': {
    sent: (ctx) => ctx.rest('im.notify.system.add', { USER_ID: 2, MESSAGE: 'Claim CL-2026-0001 needs a check' }),
    'no user': (ctx) => ctx.rest('im.notify.system.add', { MESSAGE: 'x' }),
    'no message': (ctx) => ctx.rest('im.notify.system.add', { USER_ID: 2 }),
  },
  'tasks.task.add': {
    added: (ctx) => ctx.rest('tasks.task.add', { fields: { TITLE: 'Check claim', RESPONSIBLE_ID: 2, DEADLINE: '2026-12-31T18:00:00+03:00' } }),
    'no title': (ctx) => ctx.rest('tasks.task.add', { fields: { RESPONSIBLE_ID: 2 } }),
  },
  'lists.add': {
    added: (ctx) => ctx.rest('lists.add', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_CODE: 'shipments', FIELDS: { NAME: 'Shipments' } }),
    'code taken': async (ctx) => {
      await addList(ctx);
      return ctx.rest('lists.add', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_CODE: 'shipments', FIELDS: { NAME: 'Shipments again' } });
    },
  },
  'lists.get': {
    found: async (ctx) => {
      await addList(ctx);
      return ctx.rest('lists.get', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_CODE: 'shipments' });
    },
    'none found': (ctx) => ctx.rest('lists.get', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_CODE: 'nothing' }),
    'no list type': (ctx) => ctx.rest('lists.get', { IBLOCK_CODE: 'shipments' }),
  },
  'lists.field.add': {
    added: async (ctx) => {
      const { list } = await addList(ctx);
      return ctx.rest('lists.field.add', { ...list, FIELDS: { NAME: 'Quantity', TYPE: 'N', CODE: 'QUANTITY' } });
    },
    'no code': async (ctx) => {
      const { list } = await addList(ctx);
      return ctx.rest('lists.field.add', { ...list, FIELDS: { NAME: 'Quantity', TYPE: 'N' } });
    },
    'no such list': (ctx) => ctx.rest('lists.field.add', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_ID: 999, FIELDS: { NAME: 'Quantity', TYPE: 'N', CODE: 'QUANTITY' } }),
  },
  'lists.field.get': {
    'one field': async (ctx) => {
      const { list, property } = await addList(ctx);
      return ctx.rest('lists.field.get', { ...list, FIELD_ID: property });
    },
    'every field': async (ctx) => ctx.rest('lists.field.get', (await addList(ctx)).list),
    'no such list': (ctx) => ctx.rest('lists.field.get', { IBLOCK_TYPE_ID: LIST_TYPE, IBLOCK_ID: 999 }),
  },
  'lists.element.add': {
    added: async (ctx) => (await addElement(ctx)).answer,
    'code taken': async (ctx) => {
      const { list, property } = await addElement(ctx);
      return ctx.rest('lists.element.add', { ...list, ELEMENT_CODE: 'element_1', FIELDS: { NAME: 'Shipment', [property]: 'Pump' } });
    },
  },
  'lists.element.update': {
    updated: async (ctx) => {
      const { list, property } = await addElement(ctx);
      return ctx.rest('lists.element.update', { ...list, ELEMENT_CODE: 'element_1', FIELDS: { NAME: 'Shipment 2', [property]: 'Valve' } });
    },
    'no such element': async (ctx) => {
      const { list } = await addList(ctx);
      return ctx.rest('lists.element.update', { ...list, ELEMENT_CODE: 'nothing', FIELDS: { NAME: 'x' } });
    },
  },
  'lists.element.delete': {
    deleted: async (ctx) => {
      const { list } = await addElement(ctx);
      return ctx.rest('lists.element.delete', { ...list, ELEMENT_CODE: 'element_1' });
    },
    'no such element': async (ctx) => {
      const { list } = await addList(ctx);
      return ctx.rest('lists.element.delete', { ...list, ELEMENT_CODE: 'nothing' });
    },
  },
  'lists.element.get': {
    found: async (ctx) => {
      const { list } = await addElement(ctx);
      return ctx.rest('lists.element.get', list);
    },
    'no list type': (ctx) => ctx.rest('lists.element.get', { IBLOCK_ID: '17' }),
  },
  'feature.get': {
    asked: (ctx) => ctx.rest('feature.get', { CODE: 'rest_auth_connector' }),
    'no code': (ctx) => ctx.rest('feature.get', {}),
  },
  'placement.bind': {
    bound: (ctx) => bindPlacement(ctx),
    'no placement': (ctx) => ctx.rest('placement.bind', { HANDLER: ctx.handlerUrl }),
    webhook: (ctx) => ctx.rest('placement.bind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: ctx.handlerUrl }, { as: 'webhook' }),
  },
  'placement.get': {
    listed: async (ctx) => {
      await bindPlacement(ctx);
      return ctx.rest('placement.get');
    },
    webhook: (ctx) => ctx.rest('placement.get', {}, { as: 'webhook' }),
  },
  'placement.unbind': {
    'unbound one': async (ctx) => {
      await bindPlacement(ctx);
      return ctx.rest('placement.unbind', { PLACEMENT: 'CRM_DEAL_DETAIL_TAB', HANDLER: ctx.handlerUrl });
    },
    'no placement': (ctx) => ctx.rest('placement.unbind', { HANDLER: ctx.handlerUrl }),
  },

  'event.bind': {
    bound: (ctx) => ctx.rest('event.bind', { event: 'ONCRMDEALUPDATE', handler: ctx.handlerUrl, auth_type: ADMIN }),
    'unknown event': (ctx) => ctx.rest('event.bind', { event: 'ONNOTHINGHAPPENS', handler: ctx.handlerUrl }),
    'offline by a non-administrator': (ctx) => ctx.rest('event.bind', { event: 'ONCRMDEALUPDATE', event_type: 'offline' }, { as: EMPLOYEE }),
  },
  'event.get': {
    listed: async (ctx) => {
      await ctx.rest('event.bind', { event: 'ONCRMDEALUPDATE', handler: ctx.handlerUrl });
      return ctx.rest('event.get');
    },
  },
  'event.unbind': {
    unbound: async (ctx) => {
      await ctx.rest('event.bind', { event: 'ONCRMDEALUPDATE', handler: ctx.handlerUrl });
      return ctx.rest('event.unbind', { event: 'ONCRMDEALUPDATE', handler: ctx.handlerUrl });
    },
  },
  'event.offline.get': {
    read: async (ctx) => {
      await ctx.rest('event.bind', { event: 'ONCRMDEALADD', event_type: 'offline' });
      ctx.portal.userAddsItem(DEAL, { title: 'Offline deal' });
      return ctx.rest('event.offline.get', { clear: 0 });
    },
    'not an administrator': (ctx) => ctx.rest('event.offline.get', { clear: 0 }, { as: EMPLOYEE }),
  },
  events: { listed: (ctx) => ctx.rest('events') },
  'event.offline.clear': {
    cleared: async (ctx) => ctx.rest('event.offline.clear', { process_id: await offlineRecord(ctx) }),
  },
  'event.offline.error': {
    marked: async (ctx) => {
      const processId = await offlineRecord(ctx);
      const messageId = ctx.portal.state.offlineEvents[0]?.MESSAGE_ID;
      return ctx.rest('event.offline.error', { process_id: processId, message_id: [messageId] });
    },
  },

  batch: {
    ran: (ctx) => ctx.rest('batch', { halt: 0, cmd: { get_user: 'user.get?ID=1', get_department: 'department.get?ID=$result[get_user][0][UF_DEPARTMENT][0]' } }),
    'more than 50 commands': (ctx) =>
      ctx.rest('batch', { cmd: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`c${index}`, 'user.admin'])) }),
  },
  'oauth/token (refresh_token grant)': {
    refreshed: async (ctx) => refresh(ctx.portal, (await ctx.tokensOf(ADMIN)).refreshToken),
    'refresh token already used': async (ctx) => {
      const { refreshToken } = await ctx.tokensOf(ADMIN);
      await refresh(ctx.portal, refreshToken);
      return refresh(ctx.portal, refreshToken);
    },
  },
  'oauth-server app.info': {
    found: async (ctx) => {
      const response = await fetch(`${ctx.portal.serverEndpoint}app.info?auth=${(await ctx.tokensOf(ADMIN)).accessToken}`);
      return { status: response.status, body: (await response.json()) as unknown };
    },
  },
  'any method': {
    'expired access token': async (ctx) => {
      const { accessToken } = await ctx.tokensOf(ADMIN);
      ctx.portal.expireAccessTokens();
      return post(`${ctx.portal.clientEndpoint}user.admin`, { auth: accessToken });
    },
    'unknown access token': (ctx) => post(`${ctx.portal.clientEndpoint}user.admin`, { auth: 'not-a-token' }),
  },
};

export async function post(url: string, params: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the shape check reports the text.
  }
  return { status: response.status, body };
}

/** The OAuth server's refresh grant, as settings/oauth/auto-renewal.md shows it (GET with query parameters). */
async function refresh(portal: Bitrix24Emulator, refreshToken: string): Promise<Answer> {
  const url = new URL(portal.tokenEndpoint);
  url.search = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: EMULATOR_DEFAULTS.clientId,
    client_secret: EMULATOR_DEFAULTS.clientSecret,
    refresh_token: refreshToken,
  }).toString();
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as unknown };
}
