import type { Metadata, TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { Config } from './config.js';

/** What both the client Connection and the worker's NativeConnection accept. */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls: TLSConfig | false;
  /** gRPC headers from `TEMPORAL_GRPC_META_*` or the profile's `grpc_meta`. */
  metadata?: Metadata;
}

export interface TemporalConnectConfig {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
}

/** The environment as envconfig should read it: `NAME=` means unset (as in loadConfig), booleans as config parsed them. */
function envForEnvconfig(config: Config, env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') present[name] = value;
  // lib/config.ts accepts every z.stringbool spelling (yes, on, 1, ...); envconfig only `true` and `1`.
  if (present.TEMPORAL_TLS !== undefined) present.TEMPORAL_TLS = String(config.TEMPORAL_TLS);
  return present;
}

/**
 * Where and how to reach Temporal, resolved by @temporalio/envconfig exactly as the Temporal CLI and the other SDKs
 * do: a TOML profile (`TEMPORAL_CONFIG_FILE`, default ~/.config/temporalio/temporal.toml; `TEMPORAL_PROFILE`), then
 * the `TEMPORAL_*` variables over it. The validated config supplies the defaults (the local dev server).
 * TLS is on when a profile or `TEMPORAL_TLS*` asks for it or an API key is set, and off when `TEMPORAL_TLS=false`.
 */
export function loadTemporalConnectConfig(config: Config, env: NodeJS.ProcessEnv = process.env): TemporalConnectConfig {
  const loaded = loadClientConnectConfig({ overrideEnvVars: envForEnvconfig(config, env) });
  const options = loaded.connectionOptions;
  const apiKey = typeof options.apiKey === 'string' ? options.apiKey : undefined;
  const tls = options.tls === true ? {} : options.tls ? options.tls : false;
  return {
    namespace: loaded.namespace ?? config.TEMPORAL_NAMESPACE,
    connectionOptions: {
      address: options.address ?? config.TEMPORAL_ADDRESS,
      tls,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    },
  };
}

/**
 * The config and connection options every process uses, for any Temporal service (the local dev server, a
 * self-hosted cluster, Temporal Cloud). TEMPORAL_NAMESPACE becomes the namespace envconfig resolved, so a namespace
 * set only in a profile is the one the client, the worker, the runs tab and the codec serve.
 */
export function resolveTemporalConfig(config: Config, env: NodeJS.ProcessEnv = process.env): { config: Config; connectionOptions: TemporalConnectionOptions } {
  const { namespace, connectionOptions } = loadTemporalConnectConfig(config, env);
  return { config: { ...config, TEMPORAL_NAMESPACE: namespace }, connectionOptions };
}
