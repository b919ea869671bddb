// How long `chainlab lab run DIR --solve` takes per shipped lab on the sim
// backend (CPU-bound: simulated time), and the loader alone. Not a test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDirs, loadLabDir, solveOnSim } from '../core/host/cli/commands/lab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = await labDirs(path.join(root, 'labs'));
let total = 0;
let t0 = performance.now();
for (const d of dirs) await loadLabDir(d, root);
console.log(`load+validate all ${dirs.length} labs: ${(performance.now() - t0).toFixed(1)} ms`);
for (const d of dirs) {
  const r = await loadLabDir(d, root);
  if (!r.ok) { console.log(`${path.basename(d)}: invalid`); continue; }
  t0 = performance.now();
  const rep = await solveOnSim(r.value);
  const ms = performance.now() - t0;
  total += ms;
  console.log(`solve ${path.basename(d)}: ${ms.toFixed(0)} ms (${rep.steps.length} steps, ${rep.ok ? 'solved' : 'NOT solved'})`);
}
console.log(`solve all: ${total.toFixed(0)} ms`);
