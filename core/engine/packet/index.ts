// The packet-path engine: follow one packet through a node's netfilter hooks.
export * from './types.js';
export { tracePacket, sampleOutcomes, exactOutcomes, outcomeKey, MAX_OUTCOME_PATHS } from './trace.js';
export type { TraceOptions } from './trace.js';
export { ConntrackTable, formatConntrackEntry, CT_TIMEOUTS } from './conntrack.js';
export type { ConntrackEntry } from './conntrack.js';
export { compileRuleset, UnsupportedRuleError } from './compile.js';
export type { CompiledRuleset } from './compile.js';
export { nodeView } from './node-view.js';
export { kernelProbability, statisticThreshold, mulberry32 } from './rng.js';
export { formatTraceText, formatSampleText, formatPercent, describeDelivery } from './render-text.js';
export type { TextOptions } from './render-text.js';
