// core/lab/runner: guided labs (format, loading, checks, the runner).
export * from './schema.js';
export { loadLab, MANIFEST_FILE } from './load.js';
export type { LabSource, LoadedLab } from './load.js';
export { evaluateCheck, checkLabel, judgeTrace, resolvePacket, getPath, rulesOf } from './checks.js';
export type { CheckResult, CommandRecord, CheckContext } from './checks.js';
export { LabRunner, solveLab, emptyProgress, parseDuration } from './runner.js';
export type { LabProgress, StepProgress, RunnerEvent, RunnerOptions, SolveReport } from './runner.js';
