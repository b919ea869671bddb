// `column -t` as util-linux 2.38 prints it: words split on blanks, blank lines
// dropped, every row given every column (missing cells are empty), each column
// padded to its widest cell and followed by two spaces; only the last column is
// left unpadded. This is why `iptables -L | column -t` splits a comment like
// `/* kubernetes service portals */` into one column per word.

/** Display width of a cell: code points (iptables output is ASCII; accents count as one). */
const width = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export function columnT(text: string): string {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    const cells = line.split(/[ \t]+/).filter((c) => c !== '');
    if (cells.length > 0) rows.push(cells);
  }
  const ncols = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const widths: number[] = new Array<number>(ncols).fill(0);
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i]!, width(c))));
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < ncols; i++) {
      const c = r[i] ?? '';
      line += i === ncols - 1 ? c : c + ' '.repeat(widths[i]! - width(c) + 2);
    }
    out += `${line}\n`;
  }
  return out;
}
