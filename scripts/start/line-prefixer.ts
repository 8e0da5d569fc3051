/** Splits a child's output stream into whole lines and writes each with the child's name in front. */
export function createLinePrefixer(prefix: string, write: (text: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) write(`${prefix}${line}\n`);
    },
    flush() {
      if (pending) write(`${prefix}${pending}\n`);
      pending = '';
    },
  };
}

export function childPrefix(name: string, width: number): string {
  return `${name.padEnd(width)} | `;
}
