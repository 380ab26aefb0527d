// CSV for spreadsheets: RFC 4180 quoting, CRLF line ends, and a UTF-8 byte order mark so Excel reads
// Chinese text as UTF-8 instead of the system code page. Cells that a spreadsheet would run as a
// formula (starting with = + - @, tab or CR) are prefixed with a quote: a note typed by anyone on the
// floor must not become a formula on the supervisor's machine.
export type Cell = string | number | null | undefined;

const bom = '\uFEFF';

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' ? String(v) : v;
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return bom + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
