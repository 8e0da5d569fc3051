import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ComposeError,
  composeService,
  hostPath,
  interpolate,
  readComposeFile,
  serviceArgv,
  serviceEnvironment,
} from '../../../scripts/cluster/compose-file.js';

const compose = readComposeFile();

describe('Compose variable substitution', () => {
  it('takes the value, or the default when it is missing (and, with a colon, when it is empty)', () => {
    expect(interpolate('${A:-x}/${B:-y}/${C-z}/${D-w}', { A: 'a', B: '', C: '' }, 'test')).toBe('a/y//w');
    expect(interpolate('$A-${A}', { A: 'v' }, 'test')).toBe('v-v');
    expect(interpolate('cost $$5', {}, 'test')).toBe('cost $5');
  });

  it('stops with the message of a required variable that is missing', () => {
    expect(() => interpolate('${PASSWORD:?set PASSWORD}', {}, 'services.db.PASSWORD')).toThrow('services.db.PASSWORD: set PASSWORD');
    expect(() => interpolate('${PASSWORD:?set PASSWORD}', { PASSWORD: '' }, 'here')).toThrow(ComposeError);
    expect(interpolate('${PASSWORD?needed}', { PASSWORD: '' }, 'here')).toBe('');
  });
});

describe('docker-compose.temporal.yml as the local cluster reads it', () => {
  it('gives the schema job and the server the one database password, and requires it', () => {
    const variables = { POSTGRES_PASSWORD: 'secret-1' };
    expect(serviceEnvironment(composeService(compose, 'temporal-schema'), variables, 'schema')).toMatchObject({
      POSTGRES_USER: 'temporal',
      SQL_PASSWORD: 'secret-1',
    });
    expect(serviceEnvironment(composeService(compose, 'temporal'), variables, 'temporal')).toMatchObject({
      DB: 'postgres12',
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: 'secret-1',
    });
    expect(() => serviceEnvironment(composeService(compose, 'temporal'), {}, 'temporal')).toThrow(/POSTGRES_PASSWORD/);
  });

  it('finds the server\'s dynamic config file through its bind mount', () => {
    const server = composeService(compose, 'temporal');
    const inContainer = serviceEnvironment(server, { POSTGRES_PASSWORD: 'x' }, 'temporal').DYNAMIC_CONFIG_FILE_PATH ?? '';
    const onHost = hostPath(compose, server, inContainer);
    expect(onHost).toMatch(/deploy\/temporal\/dynamicconfig\/production\.yaml$/);
    expect(existsSync(onHost)).toBe(true);
    expect(() => hostPath(compose, server, '/etc/temporal/other/file.yaml')).toThrow(ComposeError);
  });

  it('runs both one-shot jobs as /bin/sh with a script of deploy/temporal', () => {
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const service = composeService(compose, name);
      const [shell, script = ''] = serviceArgv(service, name);
      expect(shell).toBe('/bin/sh');
      expect(existsSync(hostPath(compose, service, script)), `${name}: ${script}`).toBe(true);
    }
  });
});
