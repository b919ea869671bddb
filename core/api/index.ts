// core/api: the contract between the UI and the host (see contract.ts).
export * from './schemas.js';
export * from './contract.js';
export * from './client.js';
export * from './batcher.js';
export * from './apiserver-errors.js';
export * from './validate.js';
