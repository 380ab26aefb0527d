// What every benchmark returns and how BENCHMARKS.md is written from it: sections of markdown
// tables, each with the command that reproduces it, and the headline ratios the runner prints.
export interface Table {
  caption: string;
  headers: string[];
  rows: Array<Array<string | number>>;
}

export interface Headline {
  what: string;
  value: string;
  target?: string;
  /** undefined when the benchmark has no target for this figure. */
  met?: boolean;
}

export interface Section {
  title: string;
  /** What was measured and how, in a few sentences. */
  method: string;
  tables: Table[];
  headlines: Headline[];
  notes?: string[];
  /** The command that reproduces this section alone. */
  reproduce: string;
  /** Figures later benchmarks build on (the scale-out arithmetic uses the ingest and scrape ones). */
  data?: Record<string, number>;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 0.5);
}

/** Nearest-rank percentile (q in 0..1); NaN for no values. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A number for a table: fixed significant digits, "n/a" for NaN or infinity. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${fmt(a / b, 2)}×` : 'n/a';
}

export function markdownTable(t: Table): string {
  const cell = (c: string | number) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${t.headers.map(cell).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`];
  for (const r of t.rows) {
    if (r.length !== t.headers.length) throw new Error(`table "${t.caption}": a row has ${r.length} cells for ${t.headers.length} headers`);
    lines.push(`| ${r.map(cell).join(' | ')} |`);
  }
  return `${t.caption}\n\n${lines.join('\n')}\n`;
}

export function sectionMarkdown(s: Section): string {
  const parts = [`## ${s.title}\n`, `${s.method}\n`];
  if (s.headlines.length > 0) {
    parts.push(
      markdownTable({
        caption: '**Headline**',
        headers: ['figure', 'measured', 'target', 'met'],
        rows: s.headlines.map((h) => [h.what, h.value, h.target ?? '—', h.met === undefined ? '—' : h.met ? 'yes' : '**no**']),
      }),
    );
  }
  for (const t of s.tables) parts.push(markdownTable(t));
  if (s.notes && s.notes.length > 0) parts.push(s.notes.map((n) => `- ${n}`).join('\n') + '\n');
  parts.push(`Reproduce: \`${s.reproduce}\`\n`);
  return parts.join('\n');
}
