// Elastic tabstops as Go's text/tabwriter lays them out (no flags, space
// padding): kubectl's tables and describe output are written through it, so
// column widths follow the same rule — a column spans the consecutive lines that
// have a tab-terminated cell in it, its width is the widest cell plus padding
// (at least minWidth), and the last cell of a line is never padded.

export interface TabOptions {
  minWidth: number;
  padding: number;
}

/** kubectl get: tabwriter.NewWriter(out, 6, 4, 3, ' ', …). */
export const TABLE_TABS: TabOptions = { minWidth: 6, padding: 3 };
/** kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). */
export const DESCRIBE_TABS: TabOptions = { minWidth: 0, padding: 2 };

const width = (s: string): number => [...s].length;

export function tabify(text: string, opts: TabOptions): string {
  const endsWithNewline = text.endsWith('\n');
  const body = endsWithNewline ? text.slice(0, -1) : text;
  const lines = body.split('\n').map((l) => l.split('\t'));
  const out: string[] = new Array<string>(lines.length);
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] as string[];
      let s = '';
      cells.forEach((c, j) => {
        s += c;
        if (j < widths.length && j < cells.length - 1) s += ' '.repeat(Math.max(0, (widths[j] as number) - width(c)));
      });
      out[i] = s;
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i] as string[]).length - 1) continue;
      writeLines(start, i);
      start = i;
      let w = opts.minWidth;
      let j = i;
      for (; j < line1; j++) {
        const cells = lines[j] as string[];
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column] as string) + opts.padding);
      }
      widths.push(w);
      format(start, j);
      widths.pop();
      start = j;
      i = j - 1;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/** Rows of cells joined by tabs, laid out like kubectl get. */
export function table(rows: string[][], opts: TabOptions = TABLE_TABS): string {
  if (rows.length === 0) return '';
  return tabify(rows.map((r) => r.join('\t')).join('\n') + '\n', opts);
}
