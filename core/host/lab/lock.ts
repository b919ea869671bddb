// One process at a time per lab: a lock file created with O_EXCL holding the
// owner's pid and command. A second process waits for it (bounded) and then
// says plainly that the lab is in use; a lock whose owner died is taken over.

import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface LockInfo { pid: number; command: string; since: number }

/**
 * The command the app's lock names: the app holds a docker lab's lock for as
 * long as it runs the lab (its cluster state lives in the app's memory, and a
 * CLI change saved meanwhile would be written over), so nobody waits for it.
 */
export const APP_HOLDER = 'app';

export class LabInUseError extends Error {
  constructor(public readonly lab: string, public readonly owner: LockInfo | null) {
    super(owner?.command === APP_HOLDER
      ? `lab "${lab}" is open in the Chainlab app (pid ${owner.pid}, since ${new Date(owner.since).toISOString()}); switch the app to another lab or close it first`
      : owner
        ? `lab "${lab}" is in use by another chainlab process (pid ${owner.pid}, running '${owner.command}' since ${new Date(owner.since).toISOString()}); try again when it has finished`
        : `lab "${lab}" is in use by another chainlab process; try again when it has finished`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockInfo | null> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' ? v : null;
  } catch {
    return null;
  }
}

/** Takes the lab's lock, waiting up to `waitMs`; returns the release function. */
export async function lockLab(dir: string, lab: string, command: string, waitMs: number): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'lock');
  const deadline = Date.now() + Math.max(0, waitMs);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      const info: LockInfo = { pid: process.pid, command, since: Date.now() };
      await fh.writeFile(JSON.stringify(info));
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const owner = await readOwner(path);
        if (owner?.pid === process.pid) await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(path);
    if (owner !== null && !alive(owner.pid)) {
      // Its owner died (crash, kill -9): the state file is whole (atomic writes), so the lock can go.
      await rm(path, { force: true });
      continue;
    }
    if (owner === null && attempt > 20) {
      // An unreadable lock left by a crash between create and write.
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline || owner?.command === APP_HOLDER) throw new LabInUseError(lab, owner);
    await new Promise((r) => setTimeout(r, Math.min(100, 10 + attempt * 10)));
  }
}
