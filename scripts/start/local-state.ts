import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `npm start` keeps between runs in `.data/`: the Temporal dev server's database and, in emulator mode, the
 * emulated portal. They only make sense together (the runs in one refer to items, robots and tokens in the other),
 * so a start either continues both or begins both afresh: never an old Temporal database with a new, empty portal.
 */
export const LOCAL_STATE_FILES = {
  temporal: 'temporal.sqlite',
  emulator: 'emulator.json',
} as const;

export const FRESH_REASON = {
  asked: 'asked',
  firstRun: 'first-run',
  portalMissing: 'portal-missing',
  runsMissing: 'runs-missing',
} as const;
export type FreshReason = (typeof FRESH_REASON)[keyof typeof FRESH_REASON];

export type LocalStatePlan = { kind: 'continue' } | { kind: 'fresh'; reason: FreshReason; setAside: string[] };

export interface LocalStateFacts {
  emulatorMode: boolean;
  /** `npm start -- --fresh` */
  fresh: boolean;
  temporalDbExists: boolean;
  emulatorStateExists: boolean;
}

/** Decides whether this start continues the previous run or begins afresh, and which files go aside. */
export function planLocalState(facts: LocalStateFacts): LocalStatePlan {
  const existing = [
    ...(facts.temporalDbExists ? [LOCAL_STATE_FILES.temporal] : []),
    // Without the emulator the portal is a real one: a leftover emulator file plays no part.
    ...(facts.emulatorMode && facts.emulatorStateExists ? [LOCAL_STATE_FILES.emulator] : []),
  ];
  if (facts.fresh) return { kind: 'fresh', reason: FRESH_REASON.asked, setAside: existing };
  if (!facts.emulatorMode) return facts.temporalDbExists ? { kind: 'continue' } : { kind: 'fresh', reason: FRESH_REASON.firstRun, setAside: [] };
  if (facts.temporalDbExists && facts.emulatorStateExists) return { kind: 'continue' };
  if (!facts.temporalDbExists && !facts.emulatorStateExists) return { kind: 'fresh', reason: FRESH_REASON.firstRun, setAside: [] };
  return { kind: 'fresh', reason: facts.temporalDbExists ? FRESH_REASON.portalMissing : FRESH_REASON.runsMissing, setAside: existing };
}

export function describeLocalStatePlan(plan: LocalStatePlan, setAsideDir: string | undefined): string {
  if (plan.kind === 'continue') return 'Continuing the previous run: Temporal runs and the emulated portal from .data/ (npm start -- --fresh starts over).';
  const aside = plan.setAside.length > 0 && setAsideDir ? ` The previous ${plan.setAside.join(' and ')} moved to ${setAsideDir}.` : '';
  switch (plan.reason) {
    case FRESH_REASON.asked:
      return `Starting fresh, as asked.${aside}`;
    case FRESH_REASON.firstRun:
      return 'Starting fresh: no previous run in .data/.';
    case FRESH_REASON.portalMissing:
      return `Starting fresh: .data/ has Temporal runs but not the emulated portal they belong to.${aside}`;
    case FRESH_REASON.runsMissing:
      return `Starting fresh: .data/ has an emulated portal but not the Temporal runs that go with it.${aside}`;
  }
}

/** Reads what `.data/` holds. The dev server's SQLite companions (`-wal`, `-shm`) count with their database. */
export function localStateFacts(dataDir: string, emulatorMode: boolean, fresh: boolean): LocalStateFacts {
  return {
    emulatorMode,
    fresh,
    temporalDbExists: existsSync(join(dataDir, LOCAL_STATE_FILES.temporal)),
    emulatorStateExists: existsSync(join(dataDir, LOCAL_STATE_FILES.emulator)),
  };
}

/**
 * Moves the files a fresh start replaces into `.data/previous/<time>/` (nothing is deleted); returns that folder,
 * or undefined when nothing had to move.
 */
export function applyLocalStatePlan(dataDir: string, plan: LocalStatePlan, now = new Date()): string | undefined {
  if (plan.kind === 'continue' || plan.setAside.length === 0) return undefined;
  const target = join(dataDir, 'previous', now.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(target, { recursive: true });
  for (const name of plan.setAside) {
    for (const file of readdirSync(dataDir).filter((candidate) => candidate === name || candidate.startsWith(`${name}-`))) {
      renameSync(join(dataDir, file), join(target, file));
    }
  }
  return target;
}
