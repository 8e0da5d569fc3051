import { describe, expect, it } from 'vitest';
import { ProcessSupervisor, type ChildExit } from '../../../scripts/start/process-supervisor.js';

/** A child that prints its name, records SIGTERM in its output, and exits only when told to. */
function childScript(name: string, options: { ignoreTerm?: boolean } = {}): string {
  return `
    console.log('${name} up');
    process.on('SIGTERM', () => {
      console.log('${name} got SIGTERM at ' + Date.now());
      ${options.ignoreTerm ? '' : 'setTimeout(() => process.exit(0), 20);'}
    });
    setInterval(() => {}, 1000);
  `;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForOutput(lines: string[], text: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (lines.some((line) => line.includes(text))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no output containing "${text}" in ${JSON.stringify(lines)}`);
}

describe('ProcessSupervisor', () => {
  it('prefixes child output and stops groups in the given order', async () => {
    const lines: string[] = [];
    const unexpected: ChildExit[] = [];
    const supervisor = new ProcessSupervisor({ write: (text) => lines.push(text), onUnexpectedExit: (exit) => unexpected.push(exit), prefixWidth: 8 });
    for (const name of ['api', 'emulator', 'temporal']) {
      supervisor.start({ name, command: process.execPath, args: ['-e', childScript(name)] });
    }
    for (const name of ['api', 'emulator', 'temporal']) await waitForOutput(lines, `${name} up`);
    expect(lines).toContain('api      | api up\n');

    const exits = await supervisor.stopInOrder([['api'], ['emulator'], ['temporal']]);

    expect(exits.map((exit) => exit.name)).toEqual(['api', 'emulator', 'temporal']);
    const termTime = (name: string) => Number(lines.find((line) => line.includes(`${name} got SIGTERM`))?.split(' at ')[1]);
    expect(termTime('api')).toBeLessThanOrEqual(termTime('emulator'));
    expect(termTime('emulator')).toBeLessThanOrEqual(termTime('temporal'));
    expect(supervisor.runningNames()).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it('kills a child that ignores SIGTERM after the grace period, grandchildren included', async () => {
    const lines: string[] = [];
    const supervisor = new ProcessSupervisor({ write: (text) => lines.push(text), stopTimeoutMs: 300 });
    const spawnGrandchild = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      console.log('grandchild ' + grandchild.pid);
      ${childScript('stubborn', { ignoreTerm: true })}
    `;
    supervisor.start({ name: 'stubborn', command: process.execPath, args: ['-e', spawnGrandchild] });
    await waitForOutput(lines, 'stubborn up');
    const grandchildPid = Number(lines.find((line) => line.includes('grandchild '))?.split('grandchild ')[1]);
    expect(isAlive(grandchildPid)).toBe(true);

    const [exit] = await supervisor.stop(['stubborn']);

    expect(exit?.signal).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(grandchildPid)).toBe(false);
  });

  it('reports a child that dies on its own, and one that cannot start', async () => {
    const unexpected: ChildExit[] = [];
    const supervisor = new ProcessSupervisor({ write: () => {}, onUnexpectedExit: (exit) => unexpected.push(exit) });
    supervisor.start({ name: 'worker', command: process.execPath, args: ['-e', 'process.exit(3)'] });
    supervisor.start({ name: 'ghost', command: '/nonexistent/binary', args: [] });
    for (let attempt = 0; attempt < 200 && unexpected.length < 2; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));

    expect(unexpected.find((exit) => exit.name === 'worker')).toMatchObject({ code: 3, signal: null });
    expect(unexpected.find((exit) => exit.name === 'ghost')?.error?.message).toContain('ENOENT');
    expect(supervisor.runningNames()).toEqual([]);
  });
});
