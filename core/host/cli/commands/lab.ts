// `chainlab lab validate|list|run|schema`: guided labs from the command line.
// `run DIR --solve [--backend docker]` runs every step's solution (on the sim
// backend unless asked) and fails if any check does not pass; CI runs it on
// every lab shipped.

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command, CliIO } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import { formatError } from '../../../engine/errors.js';
import { loadLab, solveLab, labJsonSchema, type LabSource, type LoadedLab } from '../../../lab/runner/index.js';
import { createSimLab, manualClock } from '../../../lab/index.js';
import type { BackendKind } from '../../../lab/backend.js';
import { createDockerLab, removeDockerLab, connectEngine } from '../../docker/index.js';
import { dockerAgentPath } from './lab-cmds.js';

export { progressPath, readProgress, writeProgress } from '../../lab/progress.js';

const USAGE = `Usage:
  chainlab lab list [LABS_DIR]          list the labs in a folder (default: ./labs)
  chainlab lab validate DIR...          check lab folders; every mistake with file, line and field
  chainlab lab run DIR --solve [--backend sim|docker]
                                        run every step's solution (sim by default, or real containers); fail if a check does not pass
  chainlab lab schema                   print the JSON Schema of lab.yaml (labs/lab.schema.json)
`;

/** A lab folder on disk as the pure loader reads it. */
export function dirSource(dir: string, shownAs = dir): LabSource {
  return {
    dir: shownAs,
    read: async (rel) => {
      try { return await readFile(path.join(dir, rel), 'utf8'); } catch { return null; }
    },
  };
}

export async function loadLabDir(dir: string, cwd = process.cwd()): Promise<ReturnType<typeof loadLab>> {
  const abs = path.resolve(cwd, dir);
  return loadLab(dirSource(abs, path.relative(cwd, abs) || '.'), path.basename(abs));
}

/** Lab folders (those with a lab.yaml) under a labs directory, sorted by name. */
export async function labDirs(labsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(labsDir)).sort()) {
    try { if ((await stat(path.join(labsDir, e, 'lab.yaml'))).isFile()) out.push(path.join(labsDir, e)); } catch { /* not a lab */ }
  }
  return out;
}

async function validate(dirs: string[], io: CliIO): Promise<number> {
  if (dirs.length === 0) { io.stderr(USAGE); return EXIT_USAGE; }
  let bad = 0;
  for (const d of dirs) {
    const r = await loadLabDir(d, io.cwd);
    if (r.ok) io.stdout(`${d}: ok (${r.value.manifest.steps.length} steps)\n`);
    else { bad++; for (const e of r.errors) io.stderr(`${formatError(e)}\n`); }
  }
  return bad === 0 ? 0 : 1;
}

async function list(labsDir: string, io: CliIO): Promise<number> {
  let dirs: string[];
  try { dirs = await labDirs(path.resolve(io.cwd, labsDir)); } catch { io.stderr(`chainlab lab list: no folder ${labsDir}\n`); return 1; }
  const rows: string[][] = [['ID', 'LEVEL', 'MINUTES', 'STEPS', 'TITLE']];
  for (const d of dirs) {
    const r = await loadLabDir(d, io.cwd);
    if (r.ok) rows.push([r.value.id, r.value.manifest.level, String(r.value.manifest.duration), String(r.value.manifest.steps.length), r.value.manifest.title]);
    else rows.push([path.basename(d), 'INVALID', '-', '-', `run: chainlab lab validate ${path.relative(io.cwd, d)}`]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) io.stdout(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]! + 3))).join('')}\n`);
  return 0;
}

/** Solves a loaded lab on the sim backend (simulated time, so kube-proxy restarts take no real time). */
export async function solveOnSim(lab: LoadedLab): Promise<Awaited<ReturnType<typeof solveLab>>> {
  return solveLab(lab, { backend: 'sim', createLab: (spec) => createSimLab(spec, { clock: manualClock() }) });
}

/** Solves a loaded lab on real containers: a docker lab of its own, removed afterwards whatever happens. */
async function solveOnDocker(lab: LoadedLab): Promise<Awaited<ReturnType<typeof solveLab>>> {
  const engine = await connectEngine();
  const name = `solve-${lab.id}`.slice(0, 40).replace(/-+$/, '');
  await removeDockerLab(engine.docker, name);
  try {
    return await solveLab(lab, { backend: 'docker', createLab: (spec) => createDockerLab({ ...spec, name }, { engine, agentPath: dockerAgentPath() }) });
  } finally {
    await removeDockerLab(engine.docker, name);
  }
}

async function runSolve(argv: string[], io: CliIO): Promise<number> {
  const solve = argv.includes('--solve');
  let backend: BackendKind = 'sim';
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--backend' || a.startsWith('--backend=')) {
      const v = a === '--backend' ? argv[++i] : a.slice('--backend='.length);
      if (v !== 'sim' && v !== 'docker') { io.stderr(`chainlab lab run: --backend must be sim or docker (got ${v === undefined ? 'nothing' : `'${v}'`})\n${USAGE}`); return EXIT_USAGE; }
      backend = v;
    } else if (!a.startsWith('-')) dirs.push(a);
  }
  if (!solve || dirs.length !== 1) {
    io.stderr(`${solve ? '' : 'chainlab lab run: only --solve is available from the command line (students use the app)\n'}${USAGE}`);
    return EXIT_USAGE;
  }
  const r = await loadLabDir(dirs[0]!, io.cwd);
  if (!r.ok) { for (const e of r.errors) io.stderr(`${formatError(e)}\n`); return 1; }
  const backends = r.value.manifest.cluster.backends;
  if (!backends.includes(backend)) { io.stderr(`chainlab lab run: ${r.value.id} does not run on the ${backend} backend (its lab.yaml lists ${backends.join(', ')})\n`); return EXIT_USAGE; }
  const report = backend === 'docker' ? await solveOnDocker(r.value) : await solveOnSim(r.value);
  for (const s of report.steps) {
    io.stdout(`${s.passed ? 'PASS' : 'FAIL'}  ${s.id}: ${s.title}\n`);
    for (const c of s.results) io.stdout(`      ${c.passed ? '✓' : '✗'} ${c.label}${c.passed || c.detail === undefined ? '' : ` — ${c.detail}`}\n`);
  }
  io.stdout(report.ok ? `${r.value.id}: solved (${report.steps.length} steps)\n` : `${r.value.id}: NOT solved\n`);
  return report.ok ? 0 : 1;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate': return validate(rest, io);
    case 'list': return list(rest[0] ?? 'labs', io);
    case 'run': return runSolve(rest, io);
    case 'schema': io.stdout(`${JSON.stringify(labJsonSchema(), null, 2)}\n`); return 0;
    case '--help': case '-h': case 'help': io.stdout(USAGE); return 0;
    default: io.stderr(sub === undefined ? USAGE : `chainlab lab: unknown subcommand '${sub}'\n\n${USAGE}`); return EXIT_USAGE;
  }
};
