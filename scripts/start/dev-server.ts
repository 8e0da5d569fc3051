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
    '--log-level',
    options.logLevel ?? 'warn',
  ];
}
