// How fast a trainer's replay goes: typing per character, the pause after each
// command (so a room can read the output), and how long the packet pane stays on
// each rule of an animated path (matched rules longer: they are the story).
export interface ReplayPace {
  label: string;
  typeMs: number;
  pauseMs: number;
  ruleMs: number;
  matchedMs: number;
}

export const PACES = {
  slow: { label: 'Slow', typeMs: 80, pauseMs: 2500, ruleMs: 500, matchedMs: 1500 },
  readable: { label: 'Readable', typeMs: 45, pauseMs: 1200, ruleMs: 300, matchedMs: 900 },
  quick: { label: 'Quick', typeMs: 8, pauseMs: 250, ruleMs: 40, matchedMs: 120 },
} as const satisfies Record<string, ReplayPace>;

export type PaceName = keyof typeof PACES;

export const DEFAULT_PACE: PaceName = 'readable';

export function isPaceName(x: unknown): x is PaceName {
  return typeof x === 'string' && Object.hasOwn(PACES, x);
}
