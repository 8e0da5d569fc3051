import type { Config } from '../lib/config.js';
import type { PortalStore } from '../lib/portals/store.js';
import type { ExternalWriteGateway } from './external-writes.js';
import type { InstallVerifier } from './install-verifier.js';
import type { RunsTabServices } from './placements/deps.js';
import type { WorkflowGateway } from './workflow-gateway.js';

/** The services every route plugin receives as options (not decorations: see app.ts). */
export interface IngressServices {
  config: Config;
  portals: PortalStore;
  workflows: WorkflowGateway;
  installVerifier: InstallVerifier;
  /** Resolves true when Temporal answers its health check. */
  temporalHealth: () => Promise<boolean>;
  /** POST /api/v1/items and GET /api/v1/runs; without it (or without EXTERNAL_API_KEYS) those answer 404. */
  externalWrites?: ExternalWriteGateway;
  /** The runs tab of the CRM card (POST /bitrix24/placements/runs…); without it those routes answer 404. */
  runsTab?: RunsTabServices;
}
