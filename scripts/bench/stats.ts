/** Percentile by nearest rank over a copy of the samples (milliseconds). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface BenchRow {
  benchmark: string;
  figure: string;
  value: string;
  target?: string;
  met?: boolean;
}

export function printTable(rows: readonly BenchRow[]): void {
  const header: BenchRow = { benchmark: 'benchmark', figure: 'figure', value: 'value', target: 'target' };
  const all = [header, ...rows];
  const width = (key: keyof BenchRow) => Math.max(...all.map((row) => String(row[key] ?? '').length));
  const widths = { benchmark: width('benchmark'), figure: width('figure'), value: width('value'), target: width('target') };
  const line = (row: BenchRow) =>
    `| ${row.benchmark.padEnd(widths.benchmark)} | ${row.figure.padEnd(widths.figure)} | ${row.value.padStart(widths.value)} | ${(row.target ?? '').padEnd(widths.target)} | ${row === header ? 'met' : row.met === undefined ? '' : row.met ? 'yes' : 'NO'} |`;
  process.stdout.write(`${line(header)}\n`);
  process.stdout.write(`|${'-'.repeat(widths.benchmark + 2)}|${'-'.repeat(widths.figure + 2)}|${'-'.repeat(widths.value + 2)}|${'-'.repeat(widths.target + 2)}|-----|\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}
