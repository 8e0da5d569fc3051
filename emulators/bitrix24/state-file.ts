import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decode, encode, restoreInto, type Encoded } from './state-codec.js';

/** Bumped when the saved form changes incompatibly; an older file is refused with a message, never half-loaded. */
export const STATE_FILE_VERSION = 1;

/** The live objects whose fields make up the portal (state, OAuth grants, the event-token key). */
export type PersistedParts = Record<string, object>;

interface StateFileBody {
  version: number;
  memberId: string;
  savedAt: string;
  parts: Record<string, Encoded>;
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** Fields that describe this run, not the portal: they follow the options given at start. */
const NOT_SAVED = new Set(['ttlSeconds']);

/** Fills the parts from the file when it exists; returns whether it did. */
export function loadStateFile(file: string, memberId: string, parts: PersistedParts): boolean {
  if (!existsSync(file)) return false;
  let body: StateFileBody;
  try {
    body = JSON.parse(readFileSync(file, 'utf8')) as StateFileBody;
  } catch (error) {
    throw new StateFileError(`${file} is not readable JSON (${(error as Error).message}); delete it to start the portal afresh`);
  }
  if (body.version !== STATE_FILE_VERSION) {
    throw new StateFileError(`${file} was written by another emulator version (${String(body.version)}); delete it to start the portal afresh`);
  }
  if (body.memberId !== memberId) throw new StateFileError(`${file} holds portal ${body.memberId}, not ${memberId}`);
  for (const [name, target] of Object.entries(parts)) {
    const saved = body.parts[name];
    if (saved !== undefined) restoreInto(target as Record<string, unknown>, saved);
  }
  return true;
}

/** Reads what a state file holds (tests and tools); Maps come back as Maps. */
export function readStateFile(file: string): { memberId: string; parts: Record<string, unknown> } {
  const body = JSON.parse(readFileSync(file, 'utf8')) as StateFileBody;
  return { memberId: body.memberId, parts: Object.fromEntries(Object.entries(body.parts).map(([name, part]) => [name, decode(part)])) };
}

export interface StateFileWriterOptions {
  file: string;
  memberId: string;
  parts: PersistedParts;
  /** A change is written this long after it was reported, so a burst of calls costs one write. */
  debounceMs?: number;
  /** Changes nobody reports (deliveries finishing, robot timeouts) are caught by a check this often. */
  checkIntervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Keeps the state file in step with the portal: debounced, skipped when nothing changed, and atomic (written to a
 * temporary file that then replaces the old one), so a crash leaves either the old or the new portal, never half.
 */
export class StateFileWriter {
  private lastWritten: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly checker: NodeJS.Timeout;

  constructor(private readonly options: StateFileWriterOptions) {
    this.checker = setInterval(() => this.changed(), options.checkIntervalMs ?? 1_000);
    this.checker.unref();
  }

  /** Something may have changed: write soon. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => this.options.onError?.(error));
    }, this.options.debounceMs ?? 200);
    this.timer.unref();
  }

  /** Writes now if anything changed since the last write; resolves when it is on disk. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeIfChanged());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.checker);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writeIfChanged(): Promise<void> {
    const parts = Object.fromEntries(Object.entries(this.options.parts).map(([name, part]) => [name, encode(part, NOT_SAVED)]));
    const text = JSON.stringify(parts);
    if (text === this.lastWritten) return;
    const body: StateFileBody = { version: STATE_FILE_VERSION, memberId: this.options.memberId, savedAt: new Date().toISOString(), parts };
    const temporary = `${this.options.file}.${process.pid}.tmp`;
    await mkdir(dirname(this.options.file), { recursive: true });
    await writeFile(temporary, JSON.stringify(body), { mode: 0o600 });
    await rename(temporary, this.options.file);
    this.lastWritten = text;
  }
}
