// The node image built the offline way (debootstrap from the Debian mirror, then
// `docker import`), as `chainlab image build` does on a machine with no image
// registry: time per step, and the image's size. Built under a tag of its own,
// so the image labs use stays as it is.
// Reference, measured in the same run: `docker export` of a container of the
// new image (its whole file tree read once), the floor of any build that writes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connectEngine } from '../core/host/docker/index.js';
import { buildImage, chooseBuildMethod } from '../core/host/docker/image.js';
import { projectPath } from '../core/host/paths.js';

const engine = await connectEngine();
console.log(`machine load (1 min): ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} (on ${(await import('node:os')).cpus().length} cores)`);
if (chooseBuildMethod() !== 'offline') {
  console.log('offline build not possible here (needs root and debootstrap): nothing measured');
  process.exit(0);
}
const tag = `chainlab/node:bench-${process.pid}`;
const t0 = performance.now();
const steps: Array<{ line: string; at: number }> = [];
try {
  await buildImage(projectPath('build/node-image', 'build/node-image is missing from this checkout'), 'offline', (line) => {
    if (/^step \d\/\d/.test(line)) steps.push({ line, at: performance.now() });
  }, tag);
  const total = performance.now() - t0;
  steps.forEach((s, i) => {
    const end = steps[i + 1]?.at ?? t0 + total;
    console.log(`  ${s.line}: ${((end - s.at) / 1000).toFixed(1)} s`);
  });
  const info = await engine.docker.getImage(tag).inspect();
  console.log(`offline image build: ${(total / 1000).toFixed(1)} s, image ${(info.Size / 2 ** 20).toFixed(0)} MiB`);

  const c = await engine.docker.createContainer({ Image: tag, Cmd: ['true'] });
  const t1 = performance.now();
  const r = spawnSync('sh', ['-c', `docker export ${c.id} > /dev/null`], { stdio: 'inherit' });
  const exportMs = performance.now() - t1;
  await c.remove({ force: true });
  if (r.status === 0) console.log(`reference: docker export of the image's file tree: ${(exportMs / 1000).toFixed(1)} s (build ${(total / exportMs).toFixed(0)}x reference)`);
} finally {
  execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
}
