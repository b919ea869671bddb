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
  if (line.indexOf('"') < 0) return { ok: true, tokens: splitPlain(line) };
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
        // Copy up to the next quote or backslash in one slice.
        let q = line.indexOf('"', i);
        if (q < 0) q = n;
        let b = line.indexOf('\\', i);
        if (b < 0 || b > q) b = -1;
        if (b >= 0 && b + 1 < n) {
          text += line.slice(i, b) + line[b + 1]!;
          i = b + 2;
          continue;
        }
        text += line.slice(i, q);
        i = q;
        if (q < n) {
          closed = true;
          i++;
        }
        break;
      }
      if (!closed) return { ok: false, column: open + 1, message: 'unterminated quoted string' };
      sliceFrom = i;
    }
    text += line.slice(sliceFrom, i);
    tokens.push({ text, column: start + 1, quoted, end: i + 1 });
  }
  return { ok: true, tokens };
}

/** The common case (no quotes): words between blanks, sliced without copying characters one by one. */
function splitPlain(line: string): Token[] {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    while (i < n && (c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12)) c = line.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12) break;
      i++;
    }
    tokens.push({ text: line.slice(start, i), column: start + 1, quoted: false, end: i + 1 });
  }
  return tokens;
}
