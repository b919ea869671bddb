// Splits one iptables-restore line into words the way iptables-restore does:
// whitespace separates, double quotes group (the quotes are dropped), and a
// backslash inside quotes escapes the next character (`\"`, `\\`). Each token
// keeps its 1-based column so errors can point at it.

export interface Token {
  text: string;
  /** 1-based column of the token's first character in its line. */
  column: number;
  /** Written in double quotes: never an option, whatever it starts with. */
  quoted: boolean;
  /** 1-based column just after the token's last character. */
  end?: number;
}

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; column: number; message: string };

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12;

export function tokenizeLine(line: string): TokenizeResult {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    let quoted = false;
    let sliceFrom = i;
    while (i < n && !isSpace(line.charCodeAt(i))) {
      if (line.charCodeAt(i) !== 34) {
        i++;
        continue;
      }
      // A quoted section: append what came before, then read to the closing quote.
      text += line.slice(sliceFrom, i);
      quoted = true;
      const open = i;
      i++;
      let closed = false;
      while (i < n) {
        const c = line.charCodeAt(i);
        if (c === 92 && i + 1 < n) {
          text += line[i + 1];
          i += 2;
          continue;
        }
        if (c === 34) {
          closed = true;
          i++;
          break;
        }
        text += line[i];
        i++;
      }
      if (!closed) return { ok: false, column: open + 1, message: 'unterminated quoted string' };
      sliceFrom = i;
    }
    text += line.slice(sliceFrom, i);
    tokens.push({ text, column: start + 1, quoted, end: i + 1 });
  }
  return { ok: true, tokens };
}
