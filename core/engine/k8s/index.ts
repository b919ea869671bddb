// Kubernetes objects: types, the YAML/JSON reader, Endpoints mirroring.
export * from './types.js';
export { parseObjects } from './parse.js';
export type { ParsedObjects, ParseObjectsOptions } from './parse.js';
export { mirrorEndpoints, effectiveEndpointSlices, MIRRORING_CONTROLLER } from './mirror.js';
export { isIP, isCIDR } from './objects.js';
export { fieldPath } from './fields.js';
