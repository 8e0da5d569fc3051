import Fastify, { type FastifyBaseLogger } from 'fastify';
import { ZodError } from 'zod';
import { createLogger, redactText } from '../../lib/logger.js';
import { EmulatorClock } from './clock.js';
import { registerControlRoutes } from './control-route.js';
import { CHANGE, CrmEvents, eventDeliveryBody, userChangeSource } from './crm-events.js';
import { Dispatcher } from './dispatcher.js';
import { AppLifecycle } from './app-lifecycle.js';
import { registerInstallRoutes } from './install-pages.js';
import { RestError, restErrors } from './errors.js';
import { EventTokenSigner } from './event-tokens.js';
import { FailureInjector } from './failures.js';
import { registerBodyParsers } from './http-parsers.js';
import { LeakyBucket } from './leaky-bucket.js';
import { allMethods } from './methods/index.js';
import { OAuthTokens } from './oauth-tokens.js';
import { registerOAuthRoutes } from './oauth-route.js';
import { OperatingTimeBudget } from './operating-time.js';
import { Outbound, type PortalAddress } from './outbound.js';
import { registerRestRoutes } from './rest-route.js';
import { buildPlacementCall, firePlacementCall, registerPlacementRoutes } from './placement-calls.js';
import { fireRobotCall } from './robot-calls.js';
import { acceptedFields } from './item-fields.js';
import { filterAdmits } from './robot-filter.js';
import { RobotRuntime } from './robot-runtime.js';
import { EmulatorState } from './state.js';
import { loadStateFile, StateFileWriter, type PersistedParts } from './state-file.js';
import type { Bitrix24Emulator, EmulatorOptions, RecordedCall, RequestCounts } from './types.js';

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  memberId: 'emulated-member-0001',
  clientId: 'local.emulator.app',
  clientSecret: 'emulator-secret',
  accessTokenTtlSeconds: 3600,
  rateLimit: { perSecond: 2, burst: 50 },
  operatingLimitSeconds: 480,
} as const;

/** Starts a real HTTP server that behaves like one Bitrix24 portal with this app installed. */
export async function startBitrix24Emulator(options: EmulatorOptions = {}): Promise<Bitrix24Emulator> {
  const logger = createLogger({
    name: 'bitrix24-emulator',
    enabled: options.logger ?? false,
    // Request URLs carry `?auth=` tokens and webhook codes.
    serializers: { req: (request: { method?: string; url?: string }) => ({ method: request.method, url: redactText(request.url ?? '') }) },
  });
  const clock = new EmulatorClock();
  const state = new EmulatorState(clock);
  Object.assign(state.features, options.features);
  const tokens = new OAuthTokens(options.accessTokenTtlSeconds ?? EMULATOR_DEFAULTS.accessTokenTtlSeconds, () => clock.unixSeconds());
  const signer = new EventTokenSigner();
  const bucket = new LeakyBucket(options.rateLimit ?? { ...EMULATOR_DEFAULTS.rateLimit }, () => clock.nowSeconds());
  const operating = new OperatingTimeBudget(options.operatingLimitSeconds ?? EMULATOR_DEFAULTS.operatingLimitSeconds, () => clock.nowSeconds());
  const failures = new FailureInjector();
  const calls: RecordedCall[] = [];
  const counts: RequestCounts = { restRequests: 0, queryLimitRejections: 0 };
  const resetCounts = () => Object.assign(counts, { restRequests: 0, queryLimitRejections: 0 });
  const portal: PortalAddress = { url: '', domain: '', clientEndpoint: '', serverEndpoint: '', memberId: options.memberId ?? EMULATOR_DEFAULTS.memberId };
  // The portal itself: its data, the OAuth grants it issued and the key its event tokens are signed with.
  const persisted: PersistedParts = { state, tokens, signer };
  const restoredFromStateFile = options.stateFile ? loadStateFile(options.stateFile, portal.memberId, persisted) : false;
  const stateFile = options.stateFile
    ? new StateFileWriter({
        file: options.stateFile,
        memberId: portal.memberId,
        parts: persisted,
        onError: (error) => logger.error({ err: error, file: options.stateFile }, 'could not write the emulator state file'),
      })
    : undefined;
  const outbound = new Outbound(portal, tokens, state, clock, logger);
  const crmEvents = new CrmEvents(state, outbound, clock);
  const lifecycle = new AppLifecycle({ state, outbound, tokens, portal, clock });
  const robots = new RobotRuntime(state, clock, signer);
  const dispatcher = new Dispatcher({ methods: allMethods, state, clock, operating, failures, eventTokens: signer, robots, crmEvents, calls, logger });

  // lib/logger.ts uses pino 10; Fastify types name their own pino copy, the runtime contract is the same.
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, bodyLimit: 10 * 1024 * 1024 });
  registerBodyParsers(app);
  if (stateFile) app.addHook('onResponse', async () => stateFile.changed());
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RestError) return reply.code(error.status).send(error.toBody());
    if (error instanceof ZodError) {
      const description = error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return reply.code(400).send({ error: 'INVALID_REQUEST', error_description: description });
    }
    request.log.error({ err: error, method: request.method, url: request.routeOptions.url }, 'emulator request failed');
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) return reply.code(500).send(restErrors.internal().toBody());
    return reply.code(status).send({ error: 'INVALID_REQUEST', error_description: (error as Error).message });
  });
  registerRestRoutes(app, { dispatcher, bucket, tokens, state, clock, calls, counts });
  registerOAuthRoutes(app, {
    tokens,
    portal,
    state,
    clock,
    clientId: options.clientId ?? EMULATOR_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? EMULATOR_DEFAULTS.clientSecret,
  });

  const changeItem = (entityTypeId: number, id: number | null, input: Record<string, unknown>, userId: number) => {
    // A user can only fill in fields the item has.
    const fields = acceptedFields(state, entityTypeId, input);
    const item = id === null ? state.items.add(entityTypeId, fields, userId) : state.items.update(entityTypeId, id, fields, userId);
    if (!item) throw new Error(`no CRM item ${entityTypeId}/${id}`);
    crmEvents.emit(entityTypeId, item.id, id === null ? CHANGE.add : CHANGE.update, userChangeSource(userId));
    return item;
  };

  const emulator: Bitrix24Emulator = {
    url: '',
    domain: '',
    clientEndpoint: '',
    serverEndpoint: '',
    tokenEndpoint: '',
    memberId: portal.memberId,
    applicationToken: state.applicationToken,
    state,
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method.toLowerCase()),
    requestCounts: () => ({ ...counts }),
    resetRequestCounts: resetCounts,
    refreshCount: () => tokens.refreshCount,
    issuedTokens: () => tokens.issuedSecrets(),
    bx24LibraryUrl: '',
    installApp: (installUrl) => lifecycle.installByCallback(installUrl),
    installForm: (installUrl, input) => lifecycle.installForm(installUrl, input),
    postInstallForm: (installUrl, input) => lifecycle.postInstallForm(installUrl, input),
    finishInstall: (appSid) => lifecycle.finishInstall(appSid),
    updateApp: () => lifecycle.update(),
    uninstallApp: (options) => lifecycle.uninstall(options),
    fireRobot: (handlerUrl, call) => fireRobotCall({ robots, signer, outbound, clock }, handlerUrl, call),
    async fireEvent(handlerUrl, event, data) {
      const name = event.toUpperCase();
      const binding = state.eventBindings.find((candidate) => candidate.event === name && candidate.handler === handlerUrl);
      const handlerId = binding?.id ?? state.nextId('eventBinding');
      const userId = binding && binding.authType > 0 ? binding.authType : 1;
      const body = eventDeliveryBody(outbound, name, data, clock.unixSeconds(), handlerId, userId);
      return outbound.postForm(handlerUrl, body, { kind: 'event', event: name });
    },
    firePlacement: (handlerUrl, input) => firePlacementCall({ tokens, portal, state }, handlerUrl, input),
    placementCall: (handlerUrl, input) => buildPlacementCall({ tokens, portal, state }, handlerUrl, input),
    robotResult: (eventToken) => robots.get(eventToken),
    designerRobots: (documentType) =>
      [...state.robots.values()].filter((robot) => filterAdmits(robot.FILTER, documentType)).map((robot) => robot.CODE),
    waitForRobotCompletion: (eventToken, timeoutMs = 10_000) => robots.waitForCompletion(eventToken, timeoutMs),
    expireAccessTokens: () => tokens.expireAll(),
    setRateLimit: (limit) => bucket.setLimit(limit),
    setOperatingLimit: (seconds) => operating.setLimit(seconds),
    setMethodDuration: (method, seconds) => operating.setMethodDuration(method, seconds),
    injectFailure: (failure) => failures.add(failure),
    setDeliveryOutage(on) {
      outbound.outage = on;
    },
    setFeature(code, enabled) {
      state.features[code] = enabled;
    },
    webhookUrl: (userId = 1) => `${portal.url}/rest/${userId}/${state.addWebhook(userId)}/`,
    advanceClock(seconds) {
      clock.advance(seconds);
      robots.sweepTimeouts();
    },
    userAddsItem: (entityTypeId, fields, userId = 1) => changeItem(entityTypeId, null, fields, userId),
    userUpdatesItem: (entityTypeId, id, fields, userId = 1) => changeItem(entityTypeId, id, fields, userId),
    settleDeliveries: () => outbound.settle(),
    reset() {
      state.reset();
      crmEvents.reset();
      outbound.outage = false;
      calls.length = 0;
      resetCounts();
      failures.clear();
      bucket.reset();
      operating.reset();
      stateFile?.changed();
    },
    saveState: async () => stateFile?.flush(),
    restoredFromStateFile,
    async close() {
      robots.close();
      await outbound.settle();
      await app.close();
      await stateFile?.close();
    },
  };
  registerControlRoutes(app, emulator);
  registerPlacementRoutes(app, emulator);
  registerInstallRoutes(app, emulator);

  await app.listen({ host: options.host ?? EMULATOR_DEFAULTS.host, port: options.port ?? EMULATOR_DEFAULTS.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator did not bind a TCP port');
  const host = options.host ?? EMULATOR_DEFAULTS.host;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  portal.domain = `${hostForUrl}:${address.port}`;
  portal.url = `http://${portal.domain}`;
  portal.clientEndpoint = `${portal.url}/rest/`;
  portal.serverEndpoint = `${portal.url}/oauth-server/rest/`;
  Object.assign(emulator, {
    url: portal.url,
    domain: portal.domain,
    clientEndpoint: portal.clientEndpoint,
    serverEndpoint: portal.serverEndpoint,
    tokenEndpoint: `${portal.url}/oauth-server/oauth/token/`,
    bx24LibraryUrl: `${portal.url}/api/v1/`,
  });
  return emulator;
}
