// kubectl config, read-only: the lab's kubeconfig is kubeadm's admin.conf
// (cluster "kubernetes", user "kubernetes-admin"), certificates redacted.

import type { Flags, FlagSpec } from '../flags.js';
import { fail, type Ctx } from '../io.js';
import { arr, num, str } from '../obj.js';
import { table } from '../print/tabwriter.js';

export const CONFIG_FLAGS: FlagSpec[] = [
  { name: 'minify', kind: 'bool' },
  { name: 'raw', kind: 'bool' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'current', kind: 'bool' },
];

const CONTEXT = 'kubernetes-admin@kubernetes';

function server(ctx: Ctx): string {
  const ep = ctx.api.get('Endpoints', 'default', 'kubernetes');
  if (!ep.ok) return 'https://127.0.0.1:6443';
  const ss = arr(ep.value, 'subsets')[0];
  return `https://${str(arr(ss, 'addresses')[0], 'ip', '127.0.0.1')}:${num(arr(ss, 'ports')[0], 'port', 6443)}`;
}

export async function config(ctx: Ctx, f: Flags): Promise<number> {
  const [sub] = f.args;
  switch (sub) {
    case 'current-context':
      ctx.io.stdout(`${CONTEXT}\n`);
      return 0;
    case 'get-contexts':
      ctx.io.stdout(table([['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'], ['*', CONTEXT, 'kubernetes', 'kubernetes-admin', '']]));
      return 0;
    case 'get-clusters':
      ctx.io.stdout('NAME\nkubernetes\n');
      return 0;
    case 'view':
      ctx.io.stdout(
        'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATA+OMITTED\n' +
          `    server: ${server(ctx)}\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: kubernetes-admin\n` +
          `  name: ${CONTEXT}\ncurrent-context: ${CONTEXT}\nkind: Config\npreferences: {}\nusers:\n- name: kubernetes-admin\n` +
          '  user:\n    client-certificate-data: DATA+OMITTED\n    client-key-data: DATA+OMITTED\n',
      );
      return 0;
    case undefined:
      return fail(ctx, 'kubectl config needs a subcommand: current-context, get-contexts, get-clusters or view');
    default:
      return fail(ctx, `"kubectl config ${sub}" is not available in this lab (its kubeconfig is read-only); use -n NAMESPACE on each command`);
  }
}
