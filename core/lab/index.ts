// core/lab: the cluster runtime, node shells and kubectl. Public entry points.
export type * from './backend.js';
export type * from './cluster/api.js';
export { createSimLab, restoreSimLab, SimLab } from './sim/lab.js';
export type { SimLabOptions } from './sim/lab.js';
export type { SimState } from './sim/runtime.js';
export { SimRuntime, SIM_STATE_FORMAT } from './sim/runtime.js';
export { manualClock, realtimeClock } from './sim/clock.js';
export type { SimClock } from './sim/clock.js';
export { NodeShellHost } from './node/shell-host.js';
