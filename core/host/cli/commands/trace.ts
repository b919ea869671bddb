import type { Command } from '../io.js';

// Placeholder until this command lands: says so plainly instead of pretending.
export const run: Command = async (_argv, io) => {
  io.stderr('chainlab trace: not available in this build yet\n');
  return 1;
};
