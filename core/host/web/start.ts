// Web mode in one call: the default lab in a workspace, and the server.
// `chainlab serve`, `npm start`, the e2e tier and the bench all start it here.
import type { Lab, LabSpec } from '../../lab/backend.js';
import { createDefaultLab, DEFAULT_SPEC, SEED_000_MANIFEST, type LabFactory } from '../app/default-lab.js';
import { loadSimLab } from '../app/sim-lab.js';
import { startWebServer } from './server.js';
import { createWorkspace, type Workspace } from '../app/workspace.js';
import { rendererDir } from './paths.js';

export interface WebAppOptions {
  port?: number;
  staticDir?: string;
  token?: string;
  /** Defaults to the sim backend's createSimLab. */
  factory?: LabFactory;
  spec?: LabSpec;
  /** What the lab starts with (default: seed 000's nginx Deployment and NodePort Service). */
  manifest?: string;
  /** CHAINLAB_HOME (lesson progress, docker labs' state) and Docker's variables; default process.env. */
  env?: Record<string, string | undefined>;
  /** The guided labs (default: the project's labs/); null: none. */
  labsDir?: string | null;
}

export interface WebApp {
  url: string;
  port: number;
  token: string;
  /** The workspace's current lab (it changes when the user starts another or opens a lesson). */
  readonly lab: Lab;
  workspace: Workspace;
  close(): Promise<void>;
}

export async function startWebApp(opts: WebAppOptions = {}): Promise<WebApp> {
  const lab = await createDefaultLab(opts.factory ?? (await loadSimLab()), opts.spec ?? DEFAULT_SPEC, opts.manifest ?? SEED_000_MANIFEST);
  const workspace = createWorkspace({
    initial: lab,
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.labsDir !== undefined ? { labsDir: opts.labsDir } : {}),
    ...(opts.factory !== undefined ? { factories: { sim: opts.factory } } : {}),
  });
  let server;
  try {
    server = await startWebServer({ lab: workspace, staticDir: opts.staticDir ?? rendererDir(), port: opts.port ?? 0, ...(opts.token !== undefined ? { token: opts.token } : {}) });
  } catch (err) {
    await workspace.close();
    throw err;
  }
  const srv = server;
  return {
    url: srv.url, port: srv.port, token: srv.token, workspace,
    get lab() { return workspace.current; },
    async close() {
      await srv.close();
      await workspace.close();
    },
  };
}
