import { spawn, type ChildProcess } from 'node:child_process';
import { childPrefix, createLinePrefixer, createLineSplitter, type LineFormatter } from './line-prefixer.js';

export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface SupervisorOptions {
  /** Where prefixed child output goes; stdout by default. */
  write?: (text: string) => void;
  /** Called when a child exits without having been asked to stop. */
  onUnexpectedExit?: (exit: ChildExit) => void;
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeoutMs?: number;
  prefixWidth?: number;
  /** Formats each output line (npm start: pretty text on a terminal, JSON otherwise); plain `name | line` when unset. */
  formatLine?: LineFormatter;
}

interface ManagedChild {
  process: ChildProcess;
  exited: Promise<ChildExit>;
  stopRequested: boolean;
}

/**
 * Runs named child processes, prefixes their output, reports unexpected deaths and stops them in a chosen order.
 * Each child leads its own process group, so the terminal's Ctrl-C reaches only us and we decide the order;
 * stopping signals the whole group, so grandchildren (tsx, shells) go too.
 */
export class ProcessSupervisor {
  private readonly children = new Map<string, ManagedChild>();
  private readonly write: (text: string) => void;

  constructor(private readonly options: SupervisorOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  start(spec: ChildSpec): void {
    if (this.children.has(spec.name)) throw new Error(`child ${spec.name} is already running`);
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const prefix = childPrefix(spec.name, this.options.prefixWidth ?? spec.name.length);
    const { formatLine } = this.options;
    for (const stream of [child.stdout, child.stderr]) {
      const prefixer = formatLine
        ? createLineSplitter((line) => this.write(formatLine(spec.name, line)))
        : createLinePrefixer(prefix, this.write);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => prefixer.push(chunk));
      stream.on('end', () => prefixer.flush());
    }
    const exit = new Promise<ChildExit>((resolve) => {
      child.once('error', (error) => resolve({ name: spec.name, code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ name: spec.name, code, signal }));
    });
    const managed: ManagedChild = {
      process: child,
      stopRequested: false,
      exited: exit.then((result) => {
        this.children.delete(spec.name);
        if (!managed.stopRequested) this.options.onUnexpectedExit?.(result);
        return result;
      }),
    };
    this.children.set(spec.name, managed);
  }

  /** The process id of a running child (its process group id too). */
  pidOf(name: string): number | undefined {
    return this.children.get(name)?.process.pid;
  }

  isRunning(name: string): boolean {
    return this.children.has(name);
  }

  runningNames(): string[] {
    return [...this.children.keys()];
  }

  /** Stops the named children together: SIGTERM, then SIGKILL after the grace period. */
  async stop(names: readonly string[]): Promise<ChildExit[]> {
    const stopping = names.flatMap((name) => {
      const managed = this.children.get(name);
      return managed ? [this.stopOne(managed)] : [];
    });
    return Promise.all(stopping);
  }

  /** Stops groups one after the other (e.g. api+worker, then simulators, then the dev server), then any leftovers. */
  async stopInOrder(groups: readonly (readonly string[])[]): Promise<ChildExit[]> {
    const exits: ChildExit[] = [];
    for (const group of groups) exits.push(...(await this.stop(group)));
    exits.push(...(await this.stop(this.runningNames())));
    return exits;
  }

  /** Last resort when we are exiting synchronously: no child may outlive us. */
  killAllNow(): void {
    for (const managed of this.children.values()) {
      managed.stopRequested = true;
      signalGroup(managed.process, 'SIGKILL');
    }
  }

  private async stopOne(managed: ManagedChild): Promise<ChildExit> {
    managed.stopRequested = true;
    signalGroup(managed.process, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(managed.process, 'SIGKILL'), this.options.stopTimeoutMs ?? 10_000);
    try {
      return await managed.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
