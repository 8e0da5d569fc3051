import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FEATURE_CODES } from './state.js';
import type { Bitrix24Emulator } from './types.js';

const documentTuple = z.tuple([z.string(), z.string(), z.string()]);
const rateLimit = z.union([z.literal(false), z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() })]);

const schemas = {
  fireRobot: z.object({
    handlerUrl: z.url(),
    code: z.string().min(1),
    documentId: documentTuple.optional(),
    documentType: documentTuple.optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    timeoutDuration: z.number().int().min(0).optional(),
    useSubscription: z.boolean().optional(),
    applicationToken: z.string().optional(),
    eventToken: z.string().optional(),
    userId: z.number().int().positive().optional(),
  }),
  fireEvent: z.object({ handlerUrl: z.url(), event: z.string().min(1), data: z.record(z.string(), z.unknown()).default({}) }),
  failure: z.object({
    method: z.string().min(1),
    times: z.number().int().positive(),
    status: z.number().int().min(400).max(599),
    error: z.string(),
    description: z.string().optional(),
  }),
  limits: z.object({
    rateLimit: rateLimit.optional(),
    operatingLimitSeconds: z.number().positive().optional(),
    methodDurations: z.record(z.string(), z.number().min(0)).optional(),
  }),
  clock: z.object({ advanceSeconds: z.number().positive() }),
  webhook: z.object({ userId: z.number().int().positive().default(1) }),
  outage: z.object({ on: z.boolean() }),
  features: z.object({ rest_offline_extended: z.boolean().optional(), rest_auth_connector: z.boolean().optional() }).strict(),
  item: z.object({
    entityTypeId: z.number().int().positive(),
    id: z.number().int().positive().optional(),
    fields: z.record(z.string(), z.unknown()).default({}),
    userId: z.number().int().positive().default(1),
  }),
  productRows: z.object({
    ownerType: z.string().min(1),
    ownerId: z.number().int().positive(),
    rows: z.array(z.record(z.string(), z.unknown())),
  }),
} as const;

/** `/_emulator/*`: lets people and tests drive the portal (robots, events, faults, limits, clock); installs: install-pages.ts. */
export function registerControlRoutes(app: FastifyInstance, emulator: Bitrix24Emulator): void {
  app.get('/_emulator/state', async () => ({
    url: emulator.url,
    memberId: emulator.memberId,
    applicationToken: emulator.applicationToken,
    refreshCount: emulator.refreshCount(),
    ...emulator.state.snapshot(),
  }));
  app.get('/_emulator/calls', async (request) => {
    const method = (request.query as Record<string, string | undefined>).method;
    return method ? emulator.callsTo(method) : emulator.calls;
  });
  app.get('/_emulator/counters', async () => emulator.requestCounts());
  app.post('/_emulator/counters/reset', async () => {
    emulator.resetRequestCounts();
    return { ok: true };
  });
  app.get('/_emulator/robots', async (request) => {
    const eventToken = (request.query as Record<string, string | undefined>).eventToken;
    if (!eventToken) return [...emulator.state.robotInvocations.values()];
    return emulator.robotResult(eventToken) ?? null;
  });
  app.post('/_emulator/robots/fire', async (request) => {
    const { handlerUrl, ...call } = schemas.fireRobot.parse(request.body);
    return emulator.fireRobot(handlerUrl, call);
  });
  app.post('/_emulator/events/fire', async (request) => {
    const body = schemas.fireEvent.parse(request.body);
    return emulator.fireEvent(body.handlerUrl, body.event, body.data);
  });
  app.post('/_emulator/failures', async (request) => {
    emulator.injectFailure(schemas.failure.parse(request.body));
    return { ok: true };
  });
  app.post('/_emulator/limits', async (request) => {
    const body = schemas.limits.parse(request.body);
    if (body.rateLimit !== undefined) emulator.setRateLimit(body.rateLimit);
    if (body.operatingLimitSeconds !== undefined) emulator.setOperatingLimit(body.operatingLimitSeconds);
    for (const [method, seconds] of Object.entries(body.methodDurations ?? {})) emulator.setMethodDuration(method, seconds);
    return { ok: true };
  });
  app.post('/_emulator/expire-tokens', async () => {
    emulator.expireAccessTokens();
    return { ok: true };
  });
  app.post('/_emulator/clock', async (request) => {
    emulator.advanceClock(schemas.clock.parse(request.body).advanceSeconds);
    return { ok: true };
  });
  app.post('/_emulator/webhooks', async (request) => ({ url: emulator.webhookUrl(schemas.webhook.parse(request.body ?? {}).userId) }));
  app.post('/_emulator/crm/items', async (request) => {
    const body = schemas.item.parse(request.body);
    return body.id === undefined
      ? emulator.userAddsItem(body.entityTypeId, body.fields, body.userId)
      : emulator.userUpdatesItem(body.entityTypeId, body.id, body.fields, body.userId);
  });
  app.post('/_emulator/crm/product-rows', async (request) => {
    const body = schemas.productRows.parse(request.body);
    return emulator.state.setProductRows(body.ownerType, body.ownerId, body.rows);
  });
  app.post('/_emulator/deliveries/outage', async (request) => {
    const { on } = schemas.outage.parse(request.body);
    emulator.setDeliveryOutage(on);
    return { outage: on };
  });
  app.post('/_emulator/features', async (request) => {
    const body = schemas.features.parse(request.body);
    for (const code of Object.values(FEATURE_CODES)) {
      const enabled = body[code];
      if (enabled !== undefined) emulator.setFeature(code, enabled);
    }
    return { features: emulator.state.features };
  });
  app.post('/_emulator/reset', async () => {
    emulator.reset();
    return { ok: true };
  });
}
