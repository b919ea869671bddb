// Regenerates test/fixtures/iptables/golden from the real iptables 1.8.9 in a
// network namespace (root only): `npx tsx test/kernel/codec/generate-golden.ts`.
// The unit tests compare our output with these files; the kernel tests check
// the same views live, so a stale golden file is caught there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Netns } from '../helpers/netns.js';
import type { CommandOutcome } from './cases.js';
import { commandLines, corpusFiles, corpusText, GOLDEN_DIR, TABLES, VIEWS, withoutDates } from './cases.js';

const ns = Netns.create('golden');
try {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  for (const file of corpusFiles()) {
    const base = file.replace(/\.rules$/, '');
    const dir = new URL(`${base}/`, GOLDEN_DIR);
    mkdirSync(dir, { recursive: true });
    ns.check('iptables-restore', [], corpusText(file));
    writeFileSync(new URL('save.txt', dir), withoutDates(ns.check('iptables-save', [])));
    ns.check('iptables-restore', ['-c'], corpusText(file));
    writeFileSync(new URL('save-c.txt', dir), withoutDates(ns.check('iptables-save', ['-c'])));
    for (const t of TABLES) {
      for (const v of VIEWS) {
        writeFileSync(new URL(`${t}${v.join('')}.txt`, dir), ns.check('iptables', ['-t', t, ...v]));
      }
    }
    // Empty the namespace for the next corpus.
    for (const t of TABLES) {
      ns.exec('iptables', ['-t', t, '-F']);
      ns.exec('iptables', ['-t', t, '-X']);
    }
    ns.exec('nft', ['flush', 'ruleset']);
  }
  ns.check('iptables-restore', [], corpusText('kube-proxy-1.33.rules'));
  const outcomes: CommandOutcome[] = commandLines().map((args) => {
    const r = ns.exec('iptables', args);
    return { args, stdout: r.stdout, stderr: r.stderr, exitCode: r.status };
  });
  writeFileSync(new URL('commands.json', GOLDEN_DIR), `${JSON.stringify(outcomes, null, 1)}\n`);
  writeFileSync(new URL('commands-final.save', GOLDEN_DIR), withoutDates(ns.check('iptables-save', [])));
} finally {
  ns.destroy();
}
