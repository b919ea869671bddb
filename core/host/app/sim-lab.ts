// The real sim backend (core/lab), in process, on the real-time clock: the
// cluster's time moves by itself, so the host never has to drive it.
import { createSimLab } from '../../lab/index.js';
import type { LabFactory } from './default-lab.js';

export async function loadSimLab(): Promise<LabFactory> {
  return (spec) => createSimLab(spec);
}
