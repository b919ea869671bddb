import type { Command } from '../io.js';

// Placeholders until the lab commands land: they say so plainly.
const notYet = (name: string): Command => async (_argv, io) => {
  io.stderr(`chainlab ${name}: not available in this build yet\n`);
  return 1;
};
export const up = notYet('up');
export const exec = notYet('exec');
export const kubectl = notYet('kubectl');
export const status = notYet('status');
export const reset = notYet('reset');
export const down = notYet('down');
