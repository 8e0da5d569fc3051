import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes.js';
import { configSchema, loadConfig } from '../../../lib/config.js';

interface Service {
  image?: string;
  networks?: string[] | Record<string, unknown>;
  build?: unknown;
  container_name?: string;
  ports?: string[];
  restart?: string;
  command?: string[] | string;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
}

const COMPOSE_PATH = fileURLToPath(new URL('../../../docker-compose.temporal.yml', import.meta.url));
// Compose resolves YAML merge keys (`<<: *app`); so does the parser with `merge`.
const compose = parse(readFileSync(COMPOSE_PATH, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { internal?: boolean } | null>;
};
const PRODUCTION_DOC = readFileSync(fileURLToPath(new URL('../../../docs/production.md', import.meta.url)), 'utf8');

/**
 * Images whose digest could not be verified when they were pinned (the machine that pinned them could not reach the
 * registry, and no public record of the index digest was found). docs/production.md names them and how to derive
 * the digest; this list may only shrink.
 */
const AWAITING_DIGEST = ['temporalio/admin-tools:1.30.1', 'temporalio/server:1.30.1'];
const services = Object.entries(compose.services);
const SECRET_KEY = /password|pwd|secret|token|key/i;
const REFERENCE = /^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/;

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value ?? '')]));
}

/** `${B24_IMAGE:-b24-temporal:local}` → `b24-temporal:local`: the reference compose uses when the variable is unset. */
function resolvedImage(image: string): string {
  return image.replace(/^\$\{[A-Z0-9_]+:-([^}]+)\}$/, '$1');
}

/** A one-shot job runs a command to completion and is never restarted once it succeeded. */
function isOneShot(service: Service): boolean {
  return service.command !== undefined && (service.restart === undefined || service.restart.startsWith('on-failure'));
}

describe('docker-compose.temporal.yml', () => {
  it('pins every image to a tag or digest, never latest', () => {
    for (const [name, service] of services) {
      expect(service.image, `${name} has an image`).toBeDefined();
      const image = resolvedImage(service.image ?? '');
      const pinned = /@sha256:[0-9a-f]{64}$/.test(image) || /:[A-Za-z0-9._-]+$/.test(image.split('/').pop() ?? '');
      expect(pinned, `${name}: ${image} is pinned`).toBe(true);
      expect(image, `${name} does not use latest`).not.toMatch(/:latest(@|$)/);
    }
  });

  it('pins every registry image by digest (with its tag kept readable), except the documented few still waiting for theirs', () => {
    const unpinned = new Set<string>();
    for (const [name, service] of services) {
      // api and worker are built here from ./Dockerfile, whose base image is pinned by digest (dockerfile.test.ts).
      if (service.build !== undefined) continue;
      const image = service.image ?? '';
      if (/@sha256:[0-9a-f]{64}$/.test(image)) expect(image, `${name} keeps its tag beside the digest`).toMatch(/^[^@]+:[\w.-]+@/);
      else unpinned.add(image);
    }
    expect([...unpinned].sort()).toEqual(AWAITING_DIGEST);
    for (const image of AWAITING_DIGEST) expect(PRODUCTION_DOC, `docs/production.md explains ${image}`).toContain(image);
    expect(PRODUCTION_DOC).toContain('docker buildx imagetools inspect');
  });

  it('publishes no metrics endpoint: the API serves /metrics on a port of its own, reachable only on the internal metrics network', () => {
    const env = { PAYLOAD_CODEC_KEY: Buffer.alloc(32).toString('base64'), HOST: '0.0.0.0', PORT: '3000' };
    const apiMetricsPort = loadConfig(env).API_METRICS_PORT;
    const worker = loadConfig(env);
    const metricsPorts = [apiMetricsPort, worker.WORKER_METRICS_PORT, worker.TEMPORAL_SDK_METRICS_PORT];
    expect(apiMetricsPort).not.toBe(3000);
    expect(environmentOf(compose.services.api ?? {}).PORT).toBe('3000');

    const published = services.flatMap(([, service]) => service.ports ?? []);
    const containerPorts = published.map((mapping) => Number(mapping.split(':').at(-1)?.split('/')[0]));
    for (const port of metricsPorts) expect(containerPorts, `port ${port} is not published`).not.toContain(port);
    expect(compose.services.api?.ports).toEqual(['${API_PUBLISH:-3000}:3000']);

    expect(compose.networks?.metrics?.internal).toBe(true);
    for (const name of ['api', 'worker']) {
      const networks = compose.services[name]?.networks;
      const joined = Array.isArray(networks) ? networks : Object.keys(networks ?? {});
      expect(joined, `${name} is on the metrics network and still on the default one`).toEqual(expect.arrayContaining(['metrics', 'default']));
    }
  });

  it('runs the Temporal server and admin-tools on one version', () => {
    const versions = services
      .map(([, service]) => service.image ?? '')
      .filter((image) => /^temporalio\/(server|admin-tools):/.test(image))
      .map((image) => image.split('@')[0]?.split(':')[1]);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(versions).size).toBe(1);
  });

  it('makes every dependency wait for a healthy service or a completed one-shot job', () => {
    let edges = 0;
    for (const [name, service] of services) {
      const dependsOn = service.depends_on ?? {};
      expect(Array.isArray(dependsOn), `${name} uses the long depends_on form`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(dependsOn as Record<string, { condition?: string }>)) {
        edges += 1;
        const target = compose.services[dependency];
        expect(target, `${name} depends on an existing ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(target?.healthcheck?.test, `${dependency} has a healthcheck`).toBeDefined();
        else if (condition === 'service_completed_successfully') expect(isOneShot(target ?? {}), `${dependency} is one-shot`).toBe(true);
        else expect.fail(`${name} → ${dependency} has condition ${String(condition)}`);
      }
    }
    expect(edges).toBeGreaterThanOrEqual(6);
  });

  it('holds no secret literal: every password, secret, token or key value is a ${...} reference', () => {
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (SECRET_KEY.test(key)) expect(value, `${name}.${key}`).toMatch(REFERENCE);
      }
    }
    expect(environmentOf(compose.services.postgresql ?? {}).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('lets the worker scale: no container_name, no published port', () => {
    const worker = compose.services.worker;
    expect(worker?.container_name).toBeUndefined();
    expect(worker?.ports).toBeUndefined();
    expect(worker?.command).toEqual(['node', 'dist/worker/main.js']);
    expect(compose.services.api?.command).toEqual(['node', 'dist/api/server.js']);
    expect(worker?.build).toEqual(compose.services.api?.build);
  });

  it('keeps PostgreSQL on a named volume', () => {
    const volumes = (compose.services.postgresql as { volumes?: string[] } | undefined)?.volumes;
    expect(volumes).toContain('postgresql-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('postgresql-data');
  });

  it('registers exactly the custom search attributes the code defines, with their types', () => {
    const job = compose.services['temporal-namespace'];
    expect(job?.command).toEqual(['/scripts/create-namespace.sh']);
    const declared = environmentOf(job ?? {}).SEARCH_ATTRIBUTES?.split(/\s+/).filter(Boolean).sort();
    const expected = CUSTOM_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`).sort();
    expect(declared).toEqual(expected);
  });

  it('passes every variable the service reads to api and worker, from the environment only', () => {
    // The legacy CA name is read for old deployments; compose uses the envconfig name.
    // The image sets the prebuilt bundle's path (Dockerfile); the worker alone reads its metrics ports and SDK log level.
    const expected = Object.keys(configSchema.shape).filter((variable) => variable !== 'WORKFLOW_BUNDLE_PATH');
    const workerOnly = ['WORKER_METRICS_PORT', 'TEMPORAL_SDK_METRICS_PORT', 'TEMPORAL_SDK_LOG_LEVEL'];
    for (const name of ['api', 'worker']) {
      const env = environmentOf(compose.services[name] ?? {});
      // The worker listens on no API port.
      const needed = expected.filter((variable) => (name === 'worker' ? variable !== 'PORT' : !workerOnly.includes(variable)));
      for (const variable of needed) expect(Object.keys(env), `${name} gets ${variable}`).toContain(variable);
      for (const [variable, value] of Object.entries(env)) {
        if (!['HOST', 'PORT'].includes(variable)) expect(value, `${name}.${variable}`).toMatch(REFERENCE);
      }
    }
  });

  it("points the Web UI at the codec server with the signed-in user's access token", () => {
    const ui = environmentOf(compose.services['temporal-ui'] ?? {});
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('${TEMPORAL_CODEC_ENDPOINT:-}');
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('${TEMPORAL_CODEC_PASS_ACCESS_TOKEN:-true}');
    expect(ui.TEMPORAL_AUTH_TYPE).toBe('oidc');
  });
});
