// The labs shipped with the app, bundled as text by Vite and loaded with the
// same loader (and the same validation) as `chainlab lab validate`.
import { loadLab, type LoadedLab } from '../../../core/lab/runner/index.js';
import { formatError } from '../../../core/engine/errors.js';

// @ts-expect-error Vite's import.meta.glob: the renderer's tsconfig has no vite/client types.
const files: Record<string, string> = import.meta.glob('../../../labs/*/**/*.{yaml,yml,md,rules}', { query: '?raw', import: 'default', eager: true });

/** Lab id → (path inside the lab folder → text). */
export function groupLabFiles(all: Record<string, string>): Map<string, Map<string, string>> {
  const labs = new Map<string, Map<string, string>>();
  for (const [p, text] of Object.entries(all)) {
    const m = /labs\/([^/]+)\/(.+)$/.exec(p);
    if (!m) continue;
    const [, id, rel] = m as unknown as [string, string, string];
    if (!labs.has(id)) labs.set(id, new Map());
    labs.get(id)!.set(rel, text);
  }
  return labs;
}

export async function loadBundledLabs(all: Record<string, string> = files): Promise<{ labs: LoadedLab[]; problems: string[] }> {
  const labs: LoadedLab[] = [];
  const problems: string[] = [];
  for (const [id, fs] of [...groupLabFiles(all)].sort(([a], [b]) => a.localeCompare(b))) {
    if (!fs.has('lab.yaml')) continue;
    const r = await loadLab({ dir: `labs/${id}`, read: async (p) => fs.get(p) ?? null }, id);
    if (r.ok) labs.push(r.value);
    else problems.push(...r.errors.map(formatError));
  }
  return { labs, problems };
}
