// The real sim backend, loaded from core/lab when present. Kept behind a
// dynamic import so the host builds while the cluster runtime is being written.
import type { LabFactory } from './default-lab.js';

const LAB_MODULE = '../../lab/index.js';

export async function loadSimLab(): Promise<LabFactory> {
  const mod = (await import(/* @vite-ignore */ LAB_MODULE)) as { createSimLab?: LabFactory };
  if (typeof mod.createSimLab !== 'function') throw new Error('core/lab does not export createSimLab yet; the sim backend is not available in this build');
  return mod.createSimLab;
}
