// The views compared with the real tools, for each corpus ruleset and table.
// Shared by the kernel tests (live comparison) and the golden generator
// (test/fixtures/iptables/golden, read by the unit tests).
import { readFileSync, readdirSync } from 'node:fs';

export const FIXTURES = new URL('../../fixtures/iptables/', import.meta.url);
export const CORPUS_DIR = new URL('corpus/', FIXTURES);
export const GOLDEN_DIR = new URL('golden/', FIXTURES);

export const TABLES = ['filter', 'nat', 'mangle', 'raw', 'security'] as const;

export const VIEWS: readonly (readonly string[])[] = [
  ['-L'],
  ['-L', '-n'],
  ['-L', '-v'],
  ['-L', '-n', '-v'],
  ['-L', '-n', '-v', '-x', '--line-numbers'],
  ['-S'],
  ['-S', '-v'],
];

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.rules')).sort();
}

export function corpusText(file: string): string {
  return readFileSync(new URL(file, CORPUS_DIR), 'utf8');
}

/** Command lines of commands.txt (comments and blank lines dropped), split like a shell would. */
export function commandLines(): string[][] {
  const text = readFileSync(new URL('commands.txt', FIXTURES), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => [...l.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!));
}

/** iptables-save text without its `# Generated`/`# Completed` lines (they hold the time). */
export function withoutDates(save: string): string {
  return save
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');
}

export interface CommandOutcome {
  args: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
}
