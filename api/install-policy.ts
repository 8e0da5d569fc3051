import type { Config } from '../lib/config.js';
import { apiErrors } from './errors.js';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(field: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw apiErrors.invalidEndpoint(field, 'not a URL');
  }
}

/** Tokens travel only over https, except to a local emulator. */
function assertTransport(field: string, url: URL): void {
  const loopback = LOOPBACK_HOSTNAMES.has(url.hostname.toLowerCase());
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return;
  throw apiErrors.invalidEndpoint(field, loopback ? 'must use http or https' : 'must use https');
}

/**
 * The install callback names the URLs we will call with its tokens. They are accepted only on the allow-listed portal
 * and OAuth hosts, so a forged callback cannot make us send requests (or tokens) anywhere else (SSRF).
 */
export function assertInstallEndpoints(
  config: Pick<Config, 'B24_ALLOWED_DOMAINS' | 'B24_OAUTH_HOSTS'>,
  auth: { domain: string; client_endpoint: string; server_endpoint: string },
): void {
  const domain = auth.domain.trim().toLowerCase();
  const allowedDomains = config.B24_ALLOWED_DOMAINS.map((allowed) => allowed.toLowerCase());
  if (!allowedDomains.includes(domain)) throw apiErrors.domainNotAllowed(auth.domain);

  const client = parseUrl('auth.client_endpoint', auth.client_endpoint);
  assertTransport('auth.client_endpoint', client);
  if (client.host.toLowerCase() !== domain) throw apiErrors.invalidEndpoint('auth.client_endpoint', 'its host is not auth.domain');
  if (client.username || client.password) throw apiErrors.invalidEndpoint('auth.client_endpoint', 'must not carry credentials');

  const server = parseUrl('auth.server_endpoint', auth.server_endpoint);
  assertTransport('auth.server_endpoint', server);
  const oauthHosts = config.B24_OAUTH_HOSTS.map((host) => host.toLowerCase());
  if (!oauthHosts.includes(server.host.toLowerCase()) && !oauthHosts.includes(server.hostname.toLowerCase())) {
    throw apiErrors.invalidEndpoint('auth.server_endpoint', 'its host is not in B24_OAUTH_HOSTS');
  }
}
