// kubectl version, cluster-info, api-resources.

import type { Flags, FlagSpec } from '../flags.js';
import { fail, type Ctx } from '../io.js';
import { arr, num, str } from '../obj.js';
import { RESOURCES } from '../resources.js';
import { table } from '../print/tabwriter.js';
import { toJson, toYaml } from '../print/output.js';

export const CLIENT_VERSION = 'v1.32.4';
const KUSTOMIZE_VERSION = 'v5.5.0';

export const VERSION_FLAGS: FlagSpec[] = [
  { name: 'client', kind: 'bool' },
  { name: 'output', short: 'o', kind: 'string' },
];
export const CLUSTER_INFO_FLAGS: FlagSpec[] = [];
export const API_RESOURCES_FLAGS: FlagSpec[] = [
  { name: 'namespaced', kind: 'bool' },
  { name: 'output', short: 'o', kind: 'string' },
  { name: 'no-headers', kind: 'bool' },
];

function minor(v: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m === null ? NaN : Number(m[2]);
}

function versionInfo(v: string): Record<string, string> {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return { gitVersion: v, major: m?.[1] ?? '', minor: m?.[2] ?? '', platform: 'linux/amd64', compiler: 'gc' };
}

export async function version(ctx: Ctx, f: Flags): Promise<number> {
  const client = f.bool('client');
  const server = client ? '' : ctx.api.serverVersion();
  const o = f.str('output');
  if (o === 'yaml' || o === 'json') {
    const data: Record<string, unknown> = { clientVersion: versionInfo(CLIENT_VERSION), kustomizeVersion: KUSTOMIZE_VERSION };
    if (!client) data.serverVersion = versionInfo(server);
    ctx.io.stdout(o === 'yaml' ? toYaml(data) : toJson(data));
    return 0;
  }
  if (o !== '') return fail(ctx, `--output must be 'yaml' or 'json'`);
  let text = `Client Version: ${CLIENT_VERSION}\nKustomize Version: ${KUSTOMIZE_VERSION}\n`;
  if (!client) {
    text += `Server Version: ${server}\n`;
    const skew = Math.abs(minor(CLIENT_VERSION) - minor(server));
    if (skew > 1) {
      text += `WARNING: version difference between client (1.${minor(CLIENT_VERSION)}) and server (1.${minor(server)}) exceeds the supported minor version skew of +/-1\n`;
    }
  }
  ctx.io.stdout(text);
  return 0;
}

const green = (s: string): string => `\x1b[0;32m${s}\x1b[0m`;
const yellow = (s: string): string => `\x1b[0;33m${s}\x1b[0m`;

export async function clusterInfo(ctx: Ctx, f: Flags): Promise<number> {
  if (f.args[0] === 'dump') return fail(ctx, '"kubectl cluster-info dump" is not available in this lab; use "kubectl get all -A -o yaml"');
  const ep = ctx.api.get('Endpoints', 'default', 'kubernetes');
  let server = 'https://127.0.0.1:6443';
  if (ep.ok) {
    const ss = arr(ep.value, 'subsets')[0];
    const ip = str(arr(ss, 'addresses')[0], 'ip');
    const port = num(arr(ss, 'ports')[0], 'port', 6443);
    if (ip !== '') server = `https://${ip}:${port}`;
  }
  let text = `${green('Kubernetes control plane')} is running at ${yellow(server)}\n`;
  const dns = ctx.api.get('Service', 'kube-system', 'kube-dns');
  if (dns.ok) {
    const portName = str(arr(dns.value, 'spec.ports')[0], 'name');
    text += `${green('CoreDNS')} is running at ${yellow(`${server}/api/v1/namespaces/kube-system/services/kube-dns${portName !== '' ? `:${portName}` : ''}/proxy`)}\n`;
  }
  text += `\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`;
  ctx.io.stdout(text);
  return 0;
}

export async function apiResources(ctx: Ctx, f: Flags): Promise<number> {
  let rs = [...RESOURCES].sort((a, b) => a.plural.localeCompare(b.plural));
  if (f.has('namespaced')) rs = rs.filter((r) => r.namespaced === f.bool('namespaced'));
  if (f.str('output') === 'name') {
    ctx.io.stdout(rs.map((r) => `${r.group === '' ? r.plural : `${r.plural}.${r.group}`}\n`).join(''));
    return 0;
  }
  const rows = rs.map((r) => [r.plural, r.shortNames.join(','), r.apiVersion, String(r.namespaced), r.kind]);
  ctx.io.stdout(table(f.bool('no-headers') ? rows : [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], ...rows]));
  return 0;
}
