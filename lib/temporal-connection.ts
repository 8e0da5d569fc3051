import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from './config.js';

/** What both the client Connection and the worker's NativeConnection accept. */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls: TLSConfig | false;
}

/** Connection options for any Temporal service: the local dev server, a self-hosted cluster, or Temporal Cloud. */
export function temporalConnectionOptions(config: Config): TemporalConnectionOptions {
  const useTls = config.TEMPORAL_TLS || Boolean(config.TEMPORAL_API_KEY) || Boolean(config.TEMPORAL_TLS_CLIENT_CERT_PATH);
  return {
    address: config.TEMPORAL_ADDRESS,
    apiKey: config.TEMPORAL_API_KEY,
    tls: useTls
      ? {
          serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: config.TEMPORAL_TLS_SERVER_CA_CERT_FILE
            ? readFileSync(config.TEMPORAL_TLS_SERVER_CA_CERT_FILE)
            : undefined,
          clientCertPair:
            config.TEMPORAL_TLS_CLIENT_CERT_PATH && config.TEMPORAL_TLS_CLIENT_KEY_PATH
              ? {
                  crt: readFileSync(config.TEMPORAL_TLS_CLIENT_CERT_PATH),
                  key: readFileSync(config.TEMPORAL_TLS_CLIENT_KEY_PATH),
                }
              : undefined,
        }
      : false,
  };
}
