// `chainlab image build|status`: the mini-node image of the docker backend.
import { projectPath } from '../../paths.js';
import type { Command } from '../io.js';
import { EXIT_USAGE } from '../io.js';
import { connectEngine } from '../../docker/connect.js';
import { buildImage, chooseBuildMethod, imageStatus, NODE_IMAGE, type BuildMethod } from '../../docker/image.js';

const USAGE = `Usage: chainlab image build [--force] [--method offline|dockerfile]
       chainlab image status
`;

function recipeDir(): string {
  return projectPath('build/node-image', 'cannot find build/node-image (run chainlab from its repository)');
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(USAGE);
    return sub === undefined ? EXIT_USAGE : 0;
  }
  let engine;
  try {
    engine = await connectEngine(io.env as NodeJS.ProcessEnv);
  } catch (e) {
    io.stderr(`chainlab image: ${(e as Error).message}\n`);
    return 1;
  }
  if (sub === 'status') {
    const s = await imageStatus(engine.docker);
    io.stdout(`engine: ${engine.product}, API ${engine.apiVersion} (${engine.source})\n`);
    io.stdout(s.present ? `image: ${s.tag} present, ${Math.round((s.sizeBytes ?? 0) / 1e6)} MB, built ${s.created}\n` : `image: ${s.tag} missing; build it with: chainlab image build\n`);
    return s.present ? 0 : 1;
  }
  if (sub !== 'build') {
    io.stderr(`chainlab image: unknown subcommand '${sub}'\n${USAGE}`);
    return EXIT_USAGE;
  }
  let force = false;
  let method: BuildMethod = chooseBuildMethod();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--force') force = true;
    else if (a === '--method' && (rest[i + 1] === 'offline' || rest[i + 1] === 'dockerfile')) method = rest[++i] as BuildMethod;
    else {
      io.stderr(`chainlab image build: bad argument '${a}'\n${USAGE}`);
      return EXIT_USAGE;
    }
  }
  const before = await imageStatus(engine.docker);
  if (before.present && !force) {
    io.stdout(`${NODE_IMAGE} is already built (use --force to rebuild)\n`);
    return 0;
  }
  io.stdout(`building ${NODE_IMAGE} (${method}) with ${engine.product} (${engine.source})\n`);
  const started = Date.now();
  try {
    await buildImage(recipeDir(), method, (line) => io.stdout(`  ${line}\n`));
  } catch (e) {
    io.stderr(`chainlab image build: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout(`built ${NODE_IMAGE} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
};
