import { styleText } from 'node:util';
import { prettyFactory } from 'pino-pretty';

/** Splits a child's output stream into whole lines and hands each to `onLine`. */
export function createLineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    flush() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/** Splits a child's output stream into whole lines and writes each with the child's name in front. */
export function createLinePrefixer(prefix: string, write: (text: string) => void): { push(chunk: string): void; flush(): void } {
  return createLineSplitter((line) => write(`${prefix}${line}\n`));
}

export function childPrefix(name: string, width: number): string {
  return `${name.padEnd(width)} | `;
}

/**
 * How `npm start` prints what its processes log: `pretty` (a terminal: pino lines as coloured, aligned text behind
 * a coloured process name) or `json` (a pipe or a file: one JSON object per line, with a `process` field).
 */
export type OutputMode = 'pretty' | 'json';

export function outputModeFor(stream: { isTTY?: boolean }): OutputMode {
  return stream.isTTY ? 'pretty' : 'json';
}

/** Formats one line a process printed (or `npm start` itself says); returns text ending in a newline. */
export type LineFormatter = (processName: string, line: string) => string;

/** Same on every line of a process (or of the SDK's worker lines): noise on a terminal, still in the JSON output. */
const PRETTY_IGNORED_KEYS = 'pid,hostname,component,sdkComponent,taskQueue,namespace,isLocal';

const NAME_COLOURS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red', 'cyanBright', 'magentaBright', 'yellowBright', 'greenBright'] as const;

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Pino's own line shape: a numeric level and a time; anything else (the dev server's text) is printed as it is. */
function isPinoLine(value: Record<string, unknown>): boolean {
  return typeof value.level === 'number' && 'time' in value;
}

export function createLineFormatter(mode: OutputMode, nameWidth: number): LineFormatter {
  if (mode === 'json') {
    return (processName, line) => {
      const parsed = parseJsonObject(line);
      return `${JSON.stringify(parsed ? { process: processName, ...parsed } : { process: processName, msg: line })}\n`;
    };
  }
  // One line per record with its fields after the message; context every line of a process repeats is left out.
  const pretty = prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: PRETTY_IGNORED_KEYS, singleLine: true });
  const colours = new Map<string, (typeof NAME_COLOURS)[number]>();
  const prefixOf = (processName: string): string => {
    if (!colours.has(processName)) colours.set(processName, NAME_COLOURS[colours.size % NAME_COLOURS.length]!);
    return `${styleText(colours.get(processName)!, processName.padEnd(nameWidth))} ${styleText('dim', '|')} `;
  };
  return (processName, line) => {
    const parsed = parseJsonObject(line);
    const text = parsed && isPinoLine(parsed) ? pretty(parsed).replace(/\n$/, '') : line;
    const prefix = prefixOf(processName);
    // pino-pretty puts an error's stack and extra fields on lines of their own: each gets the prefix, so columns hold.
    return text
      .split('\n')
      .map((part) => `${prefix}${part}\n`)
      .join('');
  };
}
