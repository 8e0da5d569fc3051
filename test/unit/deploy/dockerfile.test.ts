import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const fromLines = instructions.filter((line) => /^FROM\s/i.test(line));

describe('Dockerfile', () => {
  it('is multi-stage: build, production dependencies, runtime', () => {
    expect(fromLines.length).toBeGreaterThanOrEqual(3);
    expect(fromLines.map((line) => /\sAS\s+(\S+)$/i.exec(line)?.[1])).toEqual(['build', 'prod-deps', 'runtime']);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
    expect(dockerfile).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('pins every base image by version and digest on a glibc (Debian) base', () => {
    for (const line of fromLines) {
      const image = line.split(/\s+/)[1] ?? '';
      expect(image).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    }
  });

  it('runs as a non-root user in the final stage', () => {
    const runtimeStart = instructions.findIndex((line) => /^FROM\s.*\sAS\s+runtime$/i.test(line));
    const users = instructions.slice(runtimeStart).filter((line) => /^USER\s/i.test(line));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
  });

  it('builds with the npm scripts and ships the prebuilt workflow bundle', () => {
    expect(dockerfile).toMatch(/RUN npm run build && npm run build:bundle/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/api\/server\.js"\]/);
  });

  it('copies every file it names from the build context, which .dockerignore does not exclude', () => {
    const ignored = readFileSync(root('.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
    const sources = instructions
      .filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const source of sources) {
      expect(existsSync(root(source)), `${source} exists`).toBe(true);
      expect(ignored, `${source} is in the build context`).not.toContain(source.split('/')[0]);
    }
  });

  it('copies every source folder the production build compiles (tsconfig.build.json), so imports resolve in the image', () => {
    const build = JSON.parse(readFileSync(root('tsconfig.build.json'), 'utf8')) as { include: string[] };
    const copied = instructions.filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line)).map((line) => line.split(/\s+/)[1]);
    for (const folder of build.include) expect(copied, `${folder} is copied into the build stage`).toContain(folder);
  });
});
