// Signal names and numbers as kill(1)/bash know them on Linux x86-64.
import type { SignalName } from './host.js';

const NUMBERS: Record<SignalName, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, CONT: 18, STOP: 19 };

export const SIGNALS = Object.keys(NUMBERS) as SignalName[];

export function signalNumber(s: SignalName): number {
  return NUMBERS[s];
}

/** `9`, `KILL`, `SIGKILL`, `kill` → KILL; undefined when unknown. */
export function signalFromSpec(spec: string): SignalName | undefined {
  if (/^\d+$/.test(spec)) return SIGNALS.find((s) => NUMBERS[s] === Number(spec));
  const up = spec.toUpperCase().replace(/^SIG/, '');
  return SIGNALS.find((s) => s === up);
}

/** How bash reports a job ended by that signal (`Killed`, `Terminated`). */
export function signalDescription(s: SignalName): string {
  switch (s) {
    case 'KILL':
      return 'Killed';
    case 'TERM':
      return 'Terminated';
    case 'INT':
      return 'Interrupt';
    case 'HUP':
      return 'Hangup';
    case 'QUIT':
      return 'Quit';
    case 'USR1':
      return 'User defined signal 1';
    case 'USR2':
      return 'User defined signal 2';
    case 'STOP':
      return 'Stopped';
    case 'CONT':
      return 'Continued';
  }
}
