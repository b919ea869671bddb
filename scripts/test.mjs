#!/usr/bin/env node
// Runs every test tier whose prerequisites are present on this machine and
// prints one `SKIPPED <tier>: <what is missing and how to get it>` line for each
// other tier. With CHAINLAB_REQUIRE_ALL=1 a missing prerequisite fails the run.
// Static checks (types, layer lint) run first: a layer violation fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tierPrerequisites } from './tiers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireAll = process.env.CHAINLAB_REQUIRE_ALL === '1';
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

if (only.length === 0) {
  console.log('== static checks: build, types, layer lint');
  for (const [cmd, args] of [
    ['node', ['scripts/build.mjs']],
    ['npx', ['tsc', '-p', 'core/tsconfig.json']],
    ['npx', ['tsc', '-p', 'tsconfig.node.json']],
    ['npx', ['eslint', '--max-warnings=0', '.']],
  ]) {
    if (run(cmd, args) !== 0) {
      console.error(`static check failed: ${cmd} ${args.join(' ')}`);
      console.log('tests: 0 passed, 1 failed');
      process.exit(1);
    }
  }
}

const tiers = ['unit', 'kernel', 'docker', 'e2e'].filter((t) => only.length === 0 || only.includes(t));
const runnable = [];
const skipped = [];
for (const tier of tiers) {
  const missing = tierPrerequisites(tier);
  if (missing === null) runnable.push(tier);
  else {
    skipped.push(tier);
    console.log(`SKIPPED ${tier}: ${missing}`);
  }
}

// One tier after the other: the kernel, docker and e2e tiers measure real
// timing (ICMP replies, container starts, a browser), so they do not share the
// machine's two cores with each other.
const outDir = mkdtempSync(join(tmpdir(), 'chainlab-test-'));
let status = 0;
let passed = 0;
let failed = 0;
let pending = 0;
for (const tier of runnable) {
  console.log(`\n== tier ${tier}`);
  const report = join(outDir, `${tier}.json`);
  const code = run('npx', ['vitest', 'run', '--project', tier, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    env: { ...process.env, CHAINLAB_TIERS: runnable.join(',') },
  });
  if (code !== 0) status = 1;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numFailedTests === 0 && code !== 0 ? 1 : 0);
    pending += r.numPendingTests + r.numTodoTests;
  } else if (code !== 0) failed += 1;
}
rmSync(outDir, { recursive: true, force: true });

if (skipped.length > 0 && requireAll) {
  console.log(`CHAINLAB_REQUIRE_ALL=1 and ${skipped.length} tier(s) cannot run: ${skipped.join(', ')}`);
  failed += skipped.length;
  status = 1;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${pending} skipped`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
