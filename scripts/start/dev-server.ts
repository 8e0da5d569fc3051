import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';

export interface DevServerOptions {
  ip: string;
  port: number;
  uiPort: number;
  dbFilename: string;
  namespace: string;
  searchAttributes: readonly { name: string; type: SearchAttributeType }[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** The codec server the Web UI asks (from the browser) to decode payloads and failures: the API's `/codec`. */
  codecEndpoint?: string;
}

/**
 * Dynamic config of the dev server, as deploy/temporal/dynamicconfig/production.yaml sets it for the production server:
 * eager activity execution hands a workflow's next activity to the worker in the answer to its workflow task, saving
 * a round trip through matching per activity (off by default in the server).
 */
export const DEV_SERVER_DYNAMIC_CONFIG_ARGS = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'] as const;

/** Arguments for `temporal server start-dev`; registering attributes that the DB file already has is harmless. */
export function devServerArgs(options: DevServerOptions): string[] {
  const searchAttributeFlags = options.searchAttributes.flatMap(({ name, type }) => [
    '--search-attribute',
    `${name}=${TypedSearchAttributes.toMetadataType(type)}`,
  ]);
  return [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFilename,
    '--namespace',
    options.namespace,
    ...searchAttributeFlags,
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    ...DEV_SERVER_DYNAMIC_CONFIG_ARGS,
    '--log-level',
    options.logLevel ?? 'warn',
  ];
}
