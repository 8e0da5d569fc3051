import type { FastifyPluginAsync } from 'fastify';
import { INSTALL_PATH } from '../../../contracts/bitrix24-app.js';
import type { IngressServices } from '../../deps.js';
import { apiErrors } from '../../errors.js';
import { handleInstallForm } from '../../install-browser.js';
import { handleInstallCallback } from '../../install-callback.js';
import { handleUninstall } from '../../install-uninstall.js';
import {
  installBodySchema,
  installFormFields,
  installFormSchema,
  isInstallForm,
  lifecycleEventSchema,
  uninstallBodySchema,
} from '../../schemas/install.js';
import { parseBody } from '../../schemas/parse.js';

/**
 * The install URL. Bitrix24 reaches it three ways: an API-only app's install callback (`event=ONAPPINSTALL` with
 * `auth[...]`); the install form an app with a UI opens in the administrator's browser (`AUTH_ID`, `REFRESH_ID`, …);
 * and the lifecycle events bound to it (ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL). Nothing is stored before the
 * endpoints pass the allow-lists and the tokens prove an administrator of that portal installing this app.
 */
const installRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post(INSTALL_PATH, async (request, reply) => {
    if (isInstallForm(request.body)) {
      const form = parseBody(installFormSchema, installFormFields(request.body, request.query));
      const page = await handleInstallForm(services, form, request.log);
      return reply.headers(page.headers).send(page.html);
    }
    if (request.body === undefined || request.body === null || request.body === '') throw apiErrors.badRequest('request body is empty');
    const { event } = parseBody(lifecycleEventSchema, request.body);
    if (event === 'ONAPPUNINSTALL') return handleUninstall(services, parseBody(uninstallBodySchema, request.body), request.log);
    return handleInstallCallback(services, parseBody(installBodySchema, request.body), request.log);
  });
};

export default installRoutes;
