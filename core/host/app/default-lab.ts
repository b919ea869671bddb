// The lab the app opens on first start, so the screen is never empty: two
// nodes and seed 000's setup (an nginx Deployment and Service `nginx` of type
// NodePort), on the in-process sim backend.
import type { Lab, LabSpec } from '../../lab/backend.js';
import { SEED_000_MANIFEST } from '../../lab/seeds.js';

export { SEED_000_MANIFEST };

// kubelet does not restart a killed kube-proxy in the default lab, so "kill
// kube-proxy, then create a Service" shows what seed 000 shows; the Restart
// action brings it back.
export const DEFAULT_SPEC: LabSpec = { name: 'chainlab', nodes: 2, kubeProxyVersion: 'v1.32.0', backend: 'sim', seed: 1, restartKubeProxy: false };

export type LabFactory = (spec: LabSpec) => Promise<Lab>;

/** Creates a lab and applies the seed setup; a failure to apply is an error worth stopping for. */
export async function createDefaultLab(factory: LabFactory, spec: LabSpec = DEFAULT_SPEC, manifest: string = SEED_000_MANIFEST): Promise<Lab> {
  const lab = await factory(spec);
  const r = await lab.apply(manifest);
  if (r.exitCode !== 0) {
    await lab.close();
    throw new Error(`the default lab could not apply seed 000's manifests: ${r.output.trim()}`);
  }
  // Let the controllers schedule pods and kube-proxy sync, as a few seconds of a real cluster would.
  await lab.advance(5000);
  return lab;
}
