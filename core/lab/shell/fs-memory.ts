// The node's in-memory filesystem: what `cat <<EOF > f.yaml`, `ls`, `cd` and
// `kubectl apply -f` see. Plain data inside, so a lab snapshot can hold it.

import type { FsErrorCode, FsStat, ShellFs } from './host.js';

interface Entry {
  kind: 'file' | 'dir';
  data: string;
  mtime: number;
  mode: number;
  owner: string;
}

export interface MemoryFsSnapshot {
  entries: Record<string, Entry>;
}

export interface MemoryFs extends ShellFs {
  toJSON(): MemoryFsSnapshot;
}

/** strerror() of an fs error code, as the tools print it. */
export function fsMessage(code: FsErrorCode): string {
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EEXIST':
      return 'File exists';
    case 'ENOTEMPTY':
      return 'Directory not empty';
  }
}

const err = (code: FsErrorCode): FsErrorCode => code;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * A fresh filesystem with the usual directories (`/root`, `/home/<user>`, `/tmp`, `/etc`, …),
 * or one restored from a snapshot.
 */
export function createMemoryFs(opts: { users?: string[]; now?: number; snapshot?: MemoryFsSnapshot } = {}): MemoryFs {
  const entries = new Map<string, Entry>();
  const now0 = opts.now ?? 0;
  if (opts.snapshot) {
    for (const [p, e] of Object.entries(opts.snapshot.entries)) entries.set(p, { ...e });
  } else {
    const dir = (p: string, owner = 'root', mode = 0o755): void => void entries.set(p, { kind: 'dir', data: '', mtime: now0, mode, owner });
    dir('/');
    for (const d of ['/etc', '/home', '/tmp', '/usr', '/usr/bin', '/usr/local', '/usr/local/bin', '/var', '/var/lib', '/var/log', '/proc', '/dev']) dir(d);
    dir('/root', 'root', 0o700);
    entries.get('/tmp')!.mode = 0o1777;
    for (const u of opts.users ?? []) if (u !== 'root') dir(`/home/${u}`, u);
  }

  const fs: MemoryFs = {
    stat(path): FsStat | FsErrorCode {
      const e = entries.get(path);
      if (!e) return err(parentIsFile(path) ? 'ENOTDIR' : 'ENOENT');
      return { kind: e.kind, size: e.kind === 'file' ? utf8Length(e.data) : 4096, mtime: e.mtime, mode: e.mode, owner: e.owner };
    },
    readFile(path) {
      const e = entries.get(path);
      if (!e) return err(parentIsFile(path) ? 'ENOTDIR' : 'ENOENT');
      if (e.kind === 'dir') return err('EISDIR');
      return e.data;
    },
    writeFile(path, data, o = {}) {
      const parent = entries.get(parentOf(path));
      if (!parent) return err('ENOENT');
      if (parent.kind !== 'dir') return err('ENOTDIR');
      const cur = entries.get(path);
      if (cur?.kind === 'dir') return err('EISDIR');
      const mtime = o.now ?? cur?.mtime ?? now0;
      entries.set(path, { kind: 'file', data: o.append && cur ? cur.data + data : data, mtime, mode: cur?.mode ?? 0o644, owner: cur?.owner ?? o.owner ?? 'root' });
      return null;
    },
    readDir(path) {
      const e = entries.get(path);
      if (!e) return err('ENOENT');
      if (e.kind !== 'dir') return err('ENOTDIR');
      const prefix = path === '/' ? '/' : path + '/';
      const names: string[] = [];
      for (const p of entries.keys()) {
        if (p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) names.push(p.slice(prefix.length));
      }
      return names.sort();
    },
    mkdir(path, o = {}) {
      if (entries.has(path)) return o.parents && entries.get(path)!.kind === 'dir' ? null : err('EEXIST');
      const parent = parentOf(path);
      if (!entries.has(parent)) {
        if (!o.parents) return err('ENOENT');
        const r = fs.mkdir(parent, o);
        if (r) return r;
      }
      if (entries.get(parent)!.kind !== 'dir') return err('ENOTDIR');
      entries.set(path, { kind: 'dir', data: '', mtime: o.now ?? now0, mode: 0o755, owner: o.owner ?? 'root' });
      return null;
    },
    remove(path, o = {}) {
      const e = entries.get(path);
      if (!e) return err('ENOENT');
      if (e.kind === 'dir') {
        const children = [...entries.keys()].filter((p) => p.startsWith(path + '/'));
        if (children.length > 0 && !o.recursive) return err('ENOTEMPTY');
        for (const c of children) entries.delete(c);
      }
      entries.delete(path);
      return null;
    },
    toJSON() {
      return { entries: Object.fromEntries([...entries].map(([p, e]) => [p, { ...e }])) };
    },
  };

  function parentIsFile(path: string): boolean {
    for (let p = parentOf(path); p !== '/'; p = parentOf(p)) {
      const e = entries.get(p);
      if (e) return e.kind === 'file';
    }
    return false;
  }

  return fs;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
