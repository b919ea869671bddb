// Web mode in one call: the default lab and the server.
// `chainlab serve`, `npm start`, the e2e tier and the bench all start it here.
import type { Lab, LabSpec } from '../../lab/backend.js';
import { createDefaultLab, DEFAULT_SPEC, SEED_000_MANIFEST, type LabFactory } from '../app/default-lab.js';
import { loadSimLab } from '../app/sim-lab.js';
import { startWebServer } from './server.js';
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
}

export interface WebApp {
  url: string;
  port: number;
  token: string;
  lab: Lab;
  close(): Promise<void>;
}

export async function startWebApp(opts: WebAppOptions = {}): Promise<WebApp> {
  const lab = await createDefaultLab(opts.factory ?? (await loadSimLab()), opts.spec ?? DEFAULT_SPEC, opts.manifest ?? SEED_000_MANIFEST);
  let server;
  try {
    server = await startWebServer({ lab, staticDir: opts.staticDir ?? rendererDir(), port: opts.port ?? 0, ...(opts.token !== undefined ? { token: opts.token } : {}) });
  } catch (err) {
    await lab.close();
    throw err;
  }
  const srv = server;
  return {
    url: srv.url, port: srv.port, token: srv.token, lab,
    async close() {
      await srv.close();
      await lab.close();
    },
  };
}
