import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inboundFacts, restFacts, sharedShapeSources } from './support/facts.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the app calls Bitrix24 from. */
const CALLING_CODE = ['integrations', 'activities', 'provisioning', 'api', 'lib'];
const METHOD_LITERAL = /['"`]((?:bizproc|crm|user|department|app|im|tasks|event|placement|lists|userfieldconfig|feature)(?:\.[a-zA-Z]+)+|batch|events)['"`]/g;
/** provisioning writes robots and activities through `bizproc.${kind}.<action>`. */
const BIZPROC_TEMPLATE = /(?:bizproc\.\$\{kind\}|\$\{prefix\})\.([a-z]+)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every Bitrix24 REST method named in the app's code, with the files that name it. */
function methodsTheAppCalls(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const note = (method: string, file: string) => found.set(method, [...new Set([...(found.get(method) ?? []), relative(repoRoot, file)])]);
  for (const file of CALLING_CODE.flatMap((dir) => sourceFiles(join(repoRoot, dir)))) {
    const code = withoutComments(readFileSync(file, 'utf8'));
    for (const match of code.matchAll(METHOD_LITERAL)) note(match[1]!, file);
    for (const match of code.matchAll(BIZPROC_TEMPLATE)) for (const kind of ['robot', 'activity']) note(`bizproc.${kind}.${match[1]!}`, file);
  }
  return found;
}

describe('conformance facts', () => {
  it('cover every REST method the app calls', () => {
    const documented = new Set(restFacts().map((fact) => fact.method.toLowerCase()));
    const called = methodsTheAppCalls();
    expect(called.size, 'the scan found the app calling Bitrix24').toBeGreaterThan(20);
    const missing = [...called.entries()].filter(([method]) => !documented.has(method.toLowerCase())).map(([method, files]) => `${method} (${files.join(', ')})`);
    expect(missing, `methods the app calls without a fact in test/conformance/facts:\n${missing.join('\n')}`).toEqual([]);
  });

  it('name the docs file and the b24restdocs commit they were read from', () => {
    const sources = [...restFacts().map((fact) => ({ name: fact.method, ...fact })), ...inboundFacts().map((fact) => ({ name: fact.call, ...fact })), ...sharedShapeSources()];
    const unsourced = sources.filter((fact) => !/^[a-z_][\w/.-]+\.md$/.test(fact.docs) || !/^[0-9a-f]{40}$/.test(fact.commit)).map((fact) => fact.name);
    expect(unsourced).toEqual([]);
  });
});
