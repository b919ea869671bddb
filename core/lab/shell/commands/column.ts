// `column -t` as util-linux 2.38 prints it: whitespace-separated cells, each
// column padded to its widest cell plus two spaces, every row padded out to the
// last column (which is never padded); empty lines dropped.
// The plain case is the engine's columnT; this adds `-s SEPS` and `-o SEP`.

import { columnT } from '../../../engine/text/column.js';

export function columnTable(text: string, separators?: string, outSep = '  '): string {
  if (separators === undefined && outSep === '  ') return columnT(text);
  const splitter = separators ? new RegExp(`[${separators.replace(/[\]\\^-]/g, '\\$&')}]+`) : /[ \t]+/;
  const rows = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (separators ? l.split(splitter) : l.trim().split(splitter)));
  if (rows.length === 0) return '';
  const ncols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = new Array<number>(ncols).fill(0);
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i]!, [...c].length)));
  return rows
    .map((r) => {
      let line = '';
      for (let i = 0; i < ncols; i++) {
        const cell = r[i] ?? '';
        if (i === ncols - 1) line += cell;
        else line += cell + ' '.repeat(widths[i]! - [...cell].length) + outSep;
      }
      return line + '\n';
    })
    .join('');
}
