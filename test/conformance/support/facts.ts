import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Shape, SharedShapes } from './shape.js';

/**
 * The documented facts in test/conformance/facts/*.json. Every fact names the file of the official REST docs
 * (github.com/bitrix24/b24restdocs) it was read from and that repository's commit.
 */
const FACTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'facts');

interface Sourced {
  docs: string;
  commit: string;
  note?: string;
  /**
   * Where Bitrix24's core code or an official SDK shows more than the docs (a key the docs' example omits, an answer
   * the docs do not print): the file, and what it shows. The fact then follows that source, and says so here.
   */
  beyondDocs?: { source: string; shows: string }[];
}

/** One documented answer of a REST method: a result (wrapped in `{result, time}`), an error, or a whole body. */
export interface DocumentedAnswer {
  /** A number, several allowed numbers, or `any` when the docs give none. */
  status: number | number[] | 'any';
  result?: Shape;
  /** The `error` code; a number where the docs print one (`"error": 0` of D7 controllers). */
  error?: string | number | (string | number)[];
  /** The exact `error_description`, where the docs tell two errors with the same code apart by it. */
  description?: string;
  /** More top-level keys of the body, e.g. `total`. */
  with?: Record<string, Shape>;
  /** The whole body, for answers that are not REST envelopes (the OAuth server). */
  body?: Shape;
  docs?: string;
  note?: string;
}

export interface RestFact extends Sourced {
  method: string;
  answers: Record<string, DocumentedAnswer>;
}

export interface InboundFact extends Sourced {
  call: string;
  /** Keys of the form body (PHP brackets parsed). */
  shape: Shape;
  /** Keys of the handler URL's query string, for calls that split their data. */
  query?: Shape;
  /** The docs' example, posted to the app form-encoded. */
  example: Record<string, unknown>;
  sdk?: { repo: string; path: string; commit: string };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(FACTS_DIR, file), 'utf8')) as T;
}

export function sharedShapes(): SharedShapes {
  const { shapes } = readJson<{ shapes: Record<string, Sourced & { shape: Shape }> }>('shared.json');
  return Object.fromEntries(Object.entries(shapes).map(([name, entry]) => [name, entry.shape]));
}

export function sharedShapeSources(): (Sourced & { name: string })[] {
  const { shapes } = readJson<{ shapes: Record<string, Sourced & { shape: Shape }> }>('shared.json');
  return Object.entries(shapes).map(([name, entry]) => ({ name, docs: entry.docs, commit: entry.commit }));
}

export function restFacts(): RestFact[] {
  return readdirSync(FACTS_DIR)
    .filter((file) => file.startsWith('rest-') && file.endsWith('.json'))
    .sort()
    .flatMap((file) => readJson<{ facts: RestFact[] }>(file).facts);
}

export function inboundFacts(): InboundFact[] {
  return readJson<{ facts: InboundFact[] }>('inbound.json').facts;
}

/** The body shape an answer documents: `{result, time}` plus `with`, or `{error, error_description}`, or `body`. */
export function expectedBody(answer: DocumentedAnswer): Shape {
  if (answer.body !== undefined) return answer.body;
  if (answer.error !== undefined) {
    const codes = Array.isArray(answer.error) ? answer.error : [answer.error];
    return {
      error: codes.length === 1 ? { $eq: codes[0] } : { $in: codes },
      error_description: answer.description === undefined ? 'string' : { $eq: answer.description },
      ...answer.with,
    };
  }
  return { result: answer.result ?? 'any', time: { $ref: 'time' }, ...answer.with };
}

export function statusMatches(answer: DocumentedAnswer, status: number): boolean {
  if (answer.status === 'any') return true;
  return Array.isArray(answer.status) ? answer.status.includes(status) : answer.status === status;
}
