import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildChildEnv, type StackPlan } from '../../../scripts/start/child-env.js';
import {
  applyLocalStatePlan,
  FRESH_REASON,
  LOCAL_STATE_FILES,
  localStateFacts,
  planLocalState,
  type LocalStateFacts,
} from '../../../scripts/start/local-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-state-'));
  dirs.push(dir);
  for (const file of files) writeFileSync(join(dir, file), 'x');
  return dir;
}

const every: LocalStateFacts[] = [false, true].flatMap((emulatorMode) =>
  [false, true].flatMap((fresh) =>
    [false, true].flatMap((temporalDbExists) => [false, true].map((emulatorStateExists) => ({ emulatorMode, fresh, temporalDbExists, emulatorStateExists }))),
  ),
);

describe('npm start: continue the previous run or start fresh', () => {
  it('continues only when both the dev server database and the emulated portal are there', () => {
    expect(planLocalState({ emulatorMode: true, fresh: false, temporalDbExists: true, emulatorStateExists: true })).toEqual({ kind: 'continue' });
    expect(planLocalState({ emulatorMode: true, fresh: false, temporalDbExists: true, emulatorStateExists: false })).toEqual({
      kind: 'fresh',
      reason: FRESH_REASON.portalMissing,
      setAside: [LOCAL_STATE_FILES.temporal],
    });
    expect(planLocalState({ emulatorMode: true, fresh: false, temporalDbExists: false, emulatorStateExists: true })).toEqual({
      kind: 'fresh',
      reason: FRESH_REASON.runsMissing,
      setAside: [LOCAL_STATE_FILES.emulator],
    });
    expect(planLocalState({ emulatorMode: true, fresh: true, temporalDbExists: true, emulatorStateExists: true })).toEqual({
      kind: 'fresh',
      reason: FRESH_REASON.asked,
      setAside: [LOCAL_STATE_FILES.temporal, LOCAL_STATE_FILES.emulator],
    });
  });

  it.each(every.filter((facts) => facts.emulatorMode))('never pairs a new emulated portal with old Temporal runs: %j', (facts) => {
    const plan = planLocalState(facts);
    if (plan.kind === 'continue') {
      expect(facts.temporalDbExists && facts.emulatorStateExists && !facts.fresh).toBe(true);
      return;
    }
    // A fresh start moves away everything old, so both begin empty together.
    if (facts.temporalDbExists) expect(plan.setAside).toContain(LOCAL_STATE_FILES.temporal);
    if (facts.emulatorStateExists) expect(plan.setAside).toContain(LOCAL_STATE_FILES.emulator);
  });

  it('with a real portal keeps the dev server database unless asked, and ignores a leftover emulator file', () => {
    expect(planLocalState({ emulatorMode: false, fresh: false, temporalDbExists: true, emulatorStateExists: true })).toEqual({ kind: 'continue' });
    expect(planLocalState({ emulatorMode: false, fresh: true, temporalDbExists: true, emulatorStateExists: true })).toMatchObject({
      setAside: [LOCAL_STATE_FILES.temporal],
    });
  });

  it('moves the replaced files, SQLite companions included, into .data/previous/<time>/ and deletes nothing', () => {
    const dir = dataDir(['temporal.sqlite', 'temporal.sqlite-wal', 'payload-codec.key']);
    const facts = localStateFacts(dir, true, false);
    expect(facts).toMatchObject({ temporalDbExists: true, emulatorStateExists: false });
    const plan = planLocalState(facts);

    const aside = applyLocalStatePlan(dir, plan, new Date('2026-05-04T10:00:00.000Z'));

    expect(aside).toBe(join(dir, 'previous', '2026-05-04T10-00-00-000Z'));
    expect(readdirSync(aside!).sort()).toEqual(['temporal.sqlite', 'temporal.sqlite-wal']);
    expect(existsSync(join(dir, 'temporal.sqlite'))).toBe(false);
    expect(existsSync(join(dir, 'payload-codec.key'))).toBe(true);
  });

  it('moves nothing when it continues', () => {
    const dir = dataDir(['temporal.sqlite', 'emulator.json']);
    expect(applyLocalStatePlan(dir, planLocalState(localStateFacts(dir, true, false)))).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['emulator.json', 'temporal.sqlite']);
  });

  it('tells the emulator where its portal lives', () => {
    const plan: StackPlan = {
      emulatorMode: true,
      temporalPort: 7233,
      temporalUiPort: 8233,
      temporalAddress: '127.0.0.1:7233',
      temporalNamespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      emulatorPort: 3001,
      emulatorStateFile: '/repo/.data/emulator.json',
      simulators: [],
    };
    expect(buildChildEnv({}, plan).EMULATOR_STATE_FILE).toBe('/repo/.data/emulator.json');
  });
});
