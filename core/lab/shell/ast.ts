// The shape of a parsed command line: what bash would execute, before expansion.

export type WordPart =
  /** Literal text; `quoted` text is not field-split (quotes, backslashes). */
  | { kind: 'lit'; text: string; quoted: boolean }
  /** `$NAME`, `${NAME}`, `$?`, `$$`, `$!`, `$#`, `$1`, `${NAME:-default}`, `${#NAME}`. */
  | { kind: 'var'; name: string; quoted: boolean; op?: { type: ':-' | '-' | ':=' | ':+' | '+' | 'len'; word: Word } }
  /** `~` (or `~user`) at the start of a word. */
  | { kind: 'tilde'; user?: string }
  /** `$(…)`. */
  | { kind: 'cmd'; script: Script; quoted: boolean }
  /** `$(( … ))`: the expression text, its `$x` expanded before evaluation. */
  | { kind: 'arith'; expr: Word; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  /** The file descriptor redirected (0 for `<`, 1 for `>`). `&>` is fd 1 with `both`. */
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&' | '<<' | '<<<' | '>|';
  /** File name (or the here-string). */
  target?: Word;
  /** `2>&1`: the fd duplicated. */
  dupFd?: number;
  /** `&>`/`&>>`: stdout and stderr both. */
  both?: boolean;
  /** Here-doc body, one Word (only `$` expansions) or literal if the delimiter was quoted. */
  heredoc?: Word;
}

export interface Assignment {
  name: string;
  value: Word;
}

export interface SimpleCommand {
  kind: 'simple';
  assigns: Assignment[];
  words: Word[];
  redirs: Redirect[];
}

export interface ForLoop {
  kind: 'for';
  name: string;
  /** null: `for x; do` (the positional parameters). */
  items: Word[] | null;
  body: Script;
  redirs: Redirect[];
}

export interface WhileLoop {
  kind: 'while';
  until: boolean;
  cond: Script;
  body: Script;
  redirs: Redirect[];
}

export interface IfClause {
  kind: 'if';
  branches: { cond: Script; body: Script }[];
  otherwise: Script | null;
  redirs: Redirect[];
}

export interface Group {
  kind: 'group';
  /** `( … )` runs in a subshell (its variable changes do not survive). */
  subshell: boolean;
  body: Script;
  redirs: Redirect[];
}

export type CommandNode = SimpleCommand | ForLoop | WhileLoop | IfClause | Group;

export interface Pipeline {
  negate: boolean;
  commands: CommandNode[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
  /** Ended by `&`. */
  background: boolean;
  /** The source text, as `jobs` shows it. */
  text: string;
}

export type Script = AndOr[];
