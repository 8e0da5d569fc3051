import { readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * docker-compose.temporal.yml read the way Compose reads it, so the local cluster runs the services it declares
 * (environment, one-shot commands, bind-mounted files) instead of a second copy of their configuration.
 */
export const COMPOSE_PATH = fileURLToPath(new URL('../../docker-compose.temporal.yml', import.meta.url));

export interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: string[];
  entrypoint?: string[] | string;
  command?: string[] | string;
}

export interface ComposeFile {
  path: string;
  services: Record<string, ComposeService>;
}

export class ComposeError extends Error {
  override readonly name = 'ComposeError';
}

export function readComposeFile(path = COMPOSE_PATH): ComposeFile {
  const parsed = parse(readFileSync(path, 'utf8'), { merge: true }) as { services?: Record<string, ComposeService> };
  if (!parsed?.services) throw new ComposeError(`${path} has no services`);
  return { path, services: parsed.services };
}

export function composeService(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new ComposeError(`${compose.path} has no service "${name}"`);
  return service;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Compose's variable substitution: `${VAR}`, `$VAR`, `${VAR:-default}` / `${VAR-default}` (the colon form also
 * replaces an empty value), `${VAR:?message}` / `${VAR?message}` (an error when missing), and `$$` for a literal `$`.
 */
export function interpolate(value: string, variables: Readonly<Record<string, string | undefined>>, where: string): string {
  return value.replace(VARIABLE, (match, braced?: string, colon?: string, operator?: string, argument?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = braced ?? bare ?? '';
    const current = variables[name];
    const missing = colon === ':' ? current === undefined || current === '' : current === undefined;
    if (!missing || operator === undefined) return current ?? '';
    if (operator === '-') return argument ?? '';
    throw new ComposeError(`${where}: ${argument || `${name} is required`}`);
  });
}

/** A service's `environment`, in either Compose form, with variables substituted. */
export function serviceEnvironment(
  service: ComposeService,
  variables: Readonly<Record<string, string | undefined>>,
  where: string,
): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((entry) => {
        const separator = entry.indexOf('=');
        return separator < 0 ? [entry, variables[entry] ?? ''] : [entry.slice(0, separator), entry.slice(separator + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([name, value]) => [name, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value, variables, `${where}.${name}`)]));
}

/**
 * Where a path inside the container lives on this machine: under one of the service's relative bind mounts
 * (`./host:/container[:ro]`), resolved against the compose file's folder. Named volumes have no host path.
 */
export function hostPath(compose: ComposeFile, service: ComposeService, containerPath: string): string {
  for (const volume of service.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (!source.startsWith('.') && !source.startsWith('/')) continue;
    const inside = posix.relative(target, containerPath);
    if (inside === '' || (!inside.startsWith('..') && !posix.isAbsolute(inside))) {
      return join(resolve(dirname(compose.path), source), inside);
    }
  }
  throw new ComposeError(`${containerPath} is under none of the service's bind mounts (${(service.volumes ?? []).join(', ') || 'none'})`);
}

/** `entrypoint` + `command` as one argument list, the way the container starts them (exec form only). */
export function serviceArgv(service: ComposeService, where: string): string[] {
  const asList = (value: string[] | string | undefined, key: string) => {
    if (value === undefined) return [];
    if (typeof value === 'string') throw new ComposeError(`${where}.${key} must be a list (exec form), not a shell string`);
    return value;
  };
  return [...asList(service.entrypoint, 'entrypoint'), ...asList(service.command, 'command')];
}
