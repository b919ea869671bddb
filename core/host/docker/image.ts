// The mini-node image: tagged with Chainlab's version so an upgrade rebuilds it.
// Built from build/node-image: the Dockerfile where a registry is reachable, or
// offline (debootstrap + docker import) where it is not.
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CHAINLAB_VERSION = '0.1.0';
export const NODE_IMAGE = `chainlab/node:${CHAINLAB_VERSION}`;

export interface ImageStatus {
  tag: string;
  present: boolean;
  id?: string;
  sizeBytes?: number;
  created?: string;
}

export async function imageStatus(docker: Docker, tag = NODE_IMAGE): Promise<ImageStatus> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { tag, present: true, id: info.Id, sizeBytes: info.Size, created: info.Created };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { tag, present: false };
    throw e;
  }
}

export type BuildMethod = 'offline' | 'dockerfile';

function commandExists(cmd: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'].some((d) => existsSync(join(d, cmd)));
}

/** Offline needs root and debootstrap; otherwise the Dockerfile (needs a registry). */
export function chooseBuildMethod(): BuildMethod {
  return process.getuid?.() === 0 && commandExists('debootstrap') ? 'offline' : 'dockerfile';
}

/** Runs the build, streaming its progress lines; resolves with the method used. */
export function buildImage(recipeDir: string, method: BuildMethod, onLine: (line: string) => void, tag = NODE_IMAGE): Promise<void> {
  const [cmd, args] =
    method === 'offline'
      ? ['bash', [join(recipeDir, 'build-offline.sh'), tag]]
      : ['docker', ['build', '--progress=plain', '-t', tag, recipeDir]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const feed = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', reject);
    child.on('close', (code) => {
      if (buf !== '') onLine(buf);
      if (code === 0) resolve();
      else reject(new Error(`${method} build of ${tag} failed (exit ${code})`));
    });
  });
}
