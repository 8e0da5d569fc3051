import type { Bitrix24Emulator } from '../../../emulators/bitrix24/index.js';
import type { CapturedRequest } from '../../emulator/helpers.js';
import { post } from './rest-scenarios.js';

/** What the emulator sent: the parsed form body and the query string of the handler URL. */
export interface Delivery {
  form: Record<string, unknown>;
  query: Record<string, string>;
}

export interface DeliveryContext {
  portal: Bitrix24Emulator;
  handlerUrl: string;
  requests: CapturedRequest[];
  /** An access token of the administrator, for the REST calls a scenario makes as the app. */
  appToken(): Promise<string>;
}

const DEAL = 2;
const SMART_INVOICE = 31;

function deliveryOf(request: CapturedRequest | undefined, what: string): Delivery {
  if (!request) throw new Error(`the emulator sent no ${what}`);
  const query = Object.fromEntries(new URL(request.url, 'http://capture').searchParams);
  return { form: request.form, query };
}

function lastWithEvent(ctx: DeliveryContext, event: string): Delivery {
  return deliveryOf(ctx.requests.findLast((request) => request.form.event === event), event);
}

async function bind(ctx: DeliveryContext, event: string, options: { offline?: boolean } = {}): Promise<void> {
  const answer = await post(`${ctx.portal.clientEndpoint}event.bind`, {
    event,
    ...(options.offline ? { event_type: 'offline' } : { handler: ctx.handlerUrl }),
    auth: await ctx.appToken(),
  });
  if (answer.status !== 200) throw new Error(`event.bind ${event} failed: ${JSON.stringify(answer.body)}`);
}

/**
 * The portal sends no event before the app's install completes (b24restdocs
 * settings/app-installation/installation-finish.md), so event scenarios install the app first.
 */
async function installFirst(ctx: DeliveryContext): Promise<void> {
  await ctx.portal.installApp(ctx.handlerUrl);
}

async function deleteItem(ctx: DeliveryContext, entityTypeId: number, id: number): Promise<void> {
  await post(`${ctx.portal.clientEndpoint}crm.item.delete`, { entityTypeId, id, auth: await ctx.appToken() });
}

/** CRM events of one entity type: a portal user adds, edits, and the app deletes an item. */
function crmEvents(prefix: string, entityTypeId: number): Record<string, (ctx: DeliveryContext) => Promise<Delivery>> {
  return {
    [`${prefix}ADD`]: async (ctx) => {
      await installFirst(ctx);
      await bind(ctx, `${prefix}ADD`);
      ctx.portal.userAddsItem(entityTypeId, { title: 'Conformance' });
      await ctx.portal.settleDeliveries();
      return lastWithEvent(ctx, `${prefix}ADD`);
    },
    [`${prefix}UPDATE`]: async (ctx) => {
      await installFirst(ctx);
      await bind(ctx, `${prefix}UPDATE`);
      const item = ctx.portal.userAddsItem(entityTypeId, { title: 'Conformance' });
      ctx.portal.userUpdatesItem(entityTypeId, Number(item.id), { title: 'Renamed' });
      await ctx.portal.settleDeliveries();
      return lastWithEvent(ctx, `${prefix}UPDATE`);
    },
    [`${prefix}DELETE`]: async (ctx) => {
      await installFirst(ctx);
      await bind(ctx, `${prefix}DELETE`);
      const item = ctx.portal.userAddsItem(entityTypeId, { title: 'Conformance' });
      await deleteItem(ctx, entityTypeId, Number(item.id));
      await ctx.portal.settleDeliveries();
      return lastWithEvent(ctx, `${prefix}DELETE`);
    },
  };
}

/** How the emulator is made to send each documented call, keyed by the fact's `call`. */
export const DELIVERY_SCENARIOS: Record<string, (ctx: DeliveryContext) => Promise<Delivery>> = {
  'robot or BP activity handler call': async (ctx) => {
    const { eventToken } = await ctx.portal.fireRobot(ctx.handlerUrl, { code: 'GET_1C_PRICE', properties: { article: 'SKU-001' } });
    return deliveryOf(ctx.requests.find((request) => request.form.event_token === eventToken), 'robot call');
  },
  ...crmEvents('ONCRMDEAL', DEAL),
  ...crmEvents('ONCRMDYNAMICITEM', SMART_INVOICE),
  ONOFFLINEEVENT: async (ctx) => {
    await installFirst(ctx);
    await bind(ctx, 'ONOFFLINEEVENT');
    await bind(ctx, 'ONCRMDEALADD', { offline: true });
    ctx.portal.userAddsItem(DEAL, { title: 'Queued' });
    await ctx.portal.settleDeliveries();
    return lastWithEvent(ctx, 'ONOFFLINEEVENT');
  },
  ONAPPINSTALL: async (ctx) => {
    await ctx.portal.installApp(ctx.handlerUrl);
    return lastWithEvent(ctx, 'ONAPPINSTALL');
  },
  ONAPPUPDATE: async (ctx) => {
    await installFirst(ctx);
    await bind(ctx, 'ONAPPUPDATE');
    await ctx.portal.updateApp();
    return lastWithEvent(ctx, 'ONAPPUPDATE');
  },
  ONAPPUNINSTALL: async (ctx) => {
    await installFirst(ctx);
    await bind(ctx, 'ONAPPUNINSTALL');
    await ctx.portal.uninstallApp();
    return lastWithEvent(ctx, 'ONAPPUNINSTALL');
  },
  'placement call (CRM_DEAL_DETAIL_TAB)': async (ctx) => {
    const deal = ctx.portal.state.addItem(DEAL, { title: 'Widget deal' });
    await ctx.portal.firePlacement(ctx.handlerUrl, { placement: 'CRM_DEAL_DETAIL_TAB', options: { ID: String(deal.id) } });
    return deliveryOf(ctx.requests.findLast((request) => 'PLACEMENT' in request.form), 'placement call');
  },
};
