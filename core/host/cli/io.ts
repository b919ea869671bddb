// What a CLI command gets: its arguments and the process's streams, passed in so
// tests can run commands in process and read exactly what a person would see.
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Reads all of standard input (for `-f -`). */
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

export type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Exit status for bad input or bad flags, as the issues ask. */
export const EXIT_USAGE = 2;
