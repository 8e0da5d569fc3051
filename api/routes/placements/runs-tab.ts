import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createTransport } from '../../../integrations/bitrix24/transport.js';
import type { IngressServices } from '../../deps.js';
import { apiErrors } from '../../errors.js';
import { permissionsFor, REFUSALS, type Permissions } from '../../placements/access.js';
import type { RunsTabServices } from '../../placements/deps.js';
import { placementErrors } from '../../placements/errors.js';
import {
  derivePageTokenKey,
  issuePageToken,
  PAGE_TOKEN_TTL_SECONDS,
  readPageToken,
  type PageClaims,
  type SealedPageClaims,
} from '../../placements/page-token.js';
import { entityTypeOfPlacement, itemDocumentKey, itemIdOfPlacementOptions } from '../../placements/placement-target.js';
import { readAdmin, readCurrentUser, readItemPeople } from '../../placements/portal-people.js';
import { appRestCall, userRestCall } from '../../placements/rest-calls.js';
import { renderRunsPage, type RunsPageView } from '../../placements/runs-page.js';
import { isFailedRun, isRunningRun, type RunState } from '../../placements/runs-service.js';
import { parseBody } from '../../schemas/parse.js';
import { verifySender } from '../../sender-verification.js';
import { newNonce, originOf, placementErrorHandler, sendHtml, wantsJson, type PageOrigins } from './responses.js';
import { pageActionSchema, placementCallSchema, placementSenderSchema, type PageAction } from './schemas.js';

export const RUNS_TAB_PATH = '/bitrix24/placements/runs';

type Notice = RunsPageView['notice'];

/**
 * The runs tab of the CRM card: `POST /bitrix24/placements/runs` is the placement handler Bitrix24 opens in an
 * iframe; `/view`, `/retry` and `/terminate` below it are the page's own buttons, authorised by the sealed page token
 * and re-checked with Bitrix24 on every request: the item's people with the app's token, administrator rights with
 * the acting user's own token.
 */
const runsTabRoutes: FastifyPluginAsync<IngressServices> = async (app: FastifyInstance, services) => {
  const tab = services.runsTab;
  const key = derivePageTokenKey(services.config.PAYLOAD_CODEC_KEY);
  const nowSeconds = tab?.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const userTransport =
    tab?.userTransport ??
    createTransport({ httpTimeoutMs: services.config.B24_HTTP_TIMEOUT_MS, caBundlePath: services.config.B24_CA_BUNDLE });
  const actionBase = `${services.config.PUBLIC_URL.replace(/\/+$/, '')}${RUNS_TAB_PATH}`;
  const selfOrigin = originOf(services.config.PUBLIC_URL) ?? '';
  const portalOrigins = new WeakMap<FastifyRequest, string>();
  const origins = (request: FastifyRequest): PageOrigins => ({ self: selfOrigin, portal: portalOrigins.get(request) });

  app.setErrorHandler(placementErrorHandler(origins));
  app.addHook('onClose', async () => {
    if (!tab?.userTransport) await userTransport.close();
    await tab?.close?.();
  });

  const requireTab = (): RunsTabServices => {
    if (!tab) throw placementErrors.notConfigured();
    return tab;
  };

  interface PageState {
    token: string;
    permissions: Permissions;
    title: string;
    name: string;
    notice?: Notice;
  }

  const render = async (request: FastifyRequest, reply: FastifyReply, claims: PageClaims, view: PageState) => {
    const documentKey = itemDocumentKey(claims);
    const runs = await requireTab().runs.list(claims.memberId, documentKey);
    const nonce = newNonce();
    const html = renderRunsPage({
      documentKey,
      itemTitle: view.title,
      viewer: { userId: claims.userId, name: view.name },
      runs,
      permissions: view.permissions,
      token: view.token,
      actionBase,
      nonce,
      ...(view.notice ? { notice: view.notice } : {}),
    });
    return sendHtml(reply, 200, html, nonce, origins(request));
  };

  app.post(RUNS_TAB_PATH, async (request, reply) => {
    requireTab();
    const sender = placementSenderSchema.safeParse(request.body);
    if (!sender.success) throw apiErrors.unauthorized();
    const portal = await verifySender(
      services.portals,
      { member_id: sender.data.member_id, application_token: sender.data.APPLICATION_TOKEN },
      request.log,
    );
    const portalOrigin = originOf(portal.clientEndpoint);
    if (portalOrigin) portalOrigins.set(request, portalOrigin);

    const call = parseBody(placementCallSchema, request.body);
    const entityTypeId = entityTypeOfPlacement(call.PLACEMENT);
    if (entityTypeId === null) throw placementErrors.badRequest(`The runs tab does not serve the placement ${call.PLACEMENT}.`);
    const itemId = itemIdOfPlacementOptions(call.PLACEMENT_OPTIONS);
    if (itemId === null) throw placementErrors.badRequest('PLACEMENT_OPTIONS carries no item ID.');

    // Asked with the user's own token: Bitrix24 says who they are and refuses an item they may not read.
    const asUser = userRestCall(userTransport, portal.clientEndpoint, call.AUTH_ID);
    const viewer = await readCurrentUser(asUser);
    const item = { entityTypeId, itemId };
    const facts = await readItemPeople(asUser, item);
    const claims: SealedPageClaims = {
      memberId: portal.memberId,
      userId: viewer.userId,
      ...item,
      expiresAt: nowSeconds() + PAGE_TOKEN_TTL_SECONDS,
      userAuth: call.AUTH_ID,
    };
    const token = issuePageToken(key, claims);
    request.log.info({ memberId: portal.memberId, userId: viewer.userId, document: itemDocumentKey(item) }, 'runs tab opened');
    const permissions = permissionsFor(viewer, facts);
    return render(request, reply, claims, { token, permissions, title: facts.title, name: viewer.name });
  });

  /**
   * Verifies the page token and repeats the access checks: the item's responsible person and their heads with the
   * app's own tokens, and `user.admin` with the acting user's token, so nothing the page was opened with is trusted
   * for longer than one request.
   */
  const authorise = async (request: FastifyRequest) => {
    const tabServices = requireTab();
    const action = parseBody(pageActionSchema, request.body);
    const claims = readPageToken(key, action.token, nowSeconds());
    const portal = await services.portals.find(claims.memberId);
    if (!portal) throw placementErrors.pageTokenInvalid();
    const portalOrigin = originOf(portal.clientEndpoint);
    if (portalOrigin) portalOrigins.set(request, portalOrigin);
    const [facts, admin] = await Promise.all([
      readItemPeople(appRestCall(tabServices.bitrix24, claims.memberId), claims),
      readAdmin(userRestCall(userTransport, portal.clientEndpoint, claims.userAuth)),
    ]);
    const permissions = permissionsFor({ userId: claims.userId, admin }, facts);
    return { tabServices, action, claims, facts, permissions };
  };

  const runOfItem = async (tabServices: RunsTabServices, claims: PageClaims, action: PageAction): Promise<RunState> => {
    if (!action.workflowId) throw placementErrors.badRequest('workflowId is required.');
    const run = await tabServices.runs.describe(action.workflowId);
    if (!run || run.memberId !== claims.memberId || run.documentKey !== itemDocumentKey(claims)) throw placementErrors.runNotFound();
    if (action.runId && action.runId !== run.runId) {
      throw placementErrors.conflict('This run has already been retried or replaced. Reload the tab to see its latest run.');
    }
    return run;
  };

  app.post(`${RUNS_TAB_PATH}/view`, async (request, reply) => {
    const { action, claims, facts, permissions } = await authorise(request);
    if (wantsJson(request)) return { runs: await requireTab().runs.list(claims.memberId, itemDocumentKey(claims)), permissions };
    return render(request, reply, claims, { token: action.token, permissions, title: facts.title, name: '' });
  });

  app.post(`${RUNS_TAB_PATH}/retry`, async (request, reply) => {
    const { tabServices, action, claims, facts, permissions } = await authorise(request);
    if (!permissions.retry) throw placementErrors.forbidden(REFUSALS.retry);
    const run = await runOfItem(tabServices, claims, action);
    if (!isFailedRun(run)) throw placementErrors.conflict('Only a failed run can be retried.');
    const { runId } = await tabServices.runs.retry(run, `retried from the CRM card by Bitrix24 user ${claims.userId}`);
    const logged = { memberId: claims.memberId, userId: claims.userId, workflowId: run.workflowId, runId };
    request.log.info(logged, 'run retried from the runs tab');
    if (wantsJson(request)) return { status: 'retried', workflowId: run.workflowId, runId };
    const notice: Notice = { kind: 'ok', text: `Retry started: ${run.workflowId} runs again as ${runId}.` };
    return render(request, reply, claims, { token: action.token, permissions, title: facts.title, name: '', notice });
  });

  app.post(`${RUNS_TAB_PATH}/terminate`, async (request, reply) => {
    const { tabServices, action, claims, facts, permissions } = await authorise(request);
    if (!permissions.terminate) throw placementErrors.forbidden(REFUSALS.terminate);
    const run = await runOfItem(tabServices, claims, action);
    if (!isRunningRun(run)) throw placementErrors.conflict('This run is not running any more.');
    await tabServices.runs.terminate(run, `terminated from the CRM card by Bitrix24 user ${claims.userId}`);
    const logged = { memberId: claims.memberId, userId: claims.userId, workflowId: run.workflowId, runId: run.runId };
    request.log.info(logged, 'run terminated from the runs tab');
    if (wantsJson(request)) return { status: 'terminated', workflowId: run.workflowId, runId: run.runId };
    const notice: Notice = { kind: 'ok', text: `Terminated ${run.workflowId}.` };
    return render(request, reply, claims, { token: action.token, permissions, title: facts.title, name: '', notice });
  });
};

export default runsTabRoutes;
