// The Service form's model and its two-way mapping to the manifest the YAML
// editor shows: one object, two views. Field paths are the API server's
// (`spec.ports[0].nodePort`), so its complaints land on the right input.
import { parse, stringify } from 'yaml';

export interface PortRow {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: string;
  targetPort: string;
  nodePort: string;
}

export interface ServiceForm {
  name: string;
  namespace: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  ports: PortRow[];
  /** `app=nginx, tier=web` */
  selector: string;
  externalTrafficPolicy: 'Cluster' | 'Local';
  internalTrafficPolicy: 'Cluster' | 'Local';
  sessionAffinity: 'None' | 'ClientIP';
  affinityTimeout: string;
}

export function emptyForm(): ServiceForm {
  return {
    name: '', namespace: 'default', type: 'NodePort',
    ports: [{ name: 'http', protocol: 'TCP', port: '80', targetPort: '80', nodePort: '' }],
    selector: 'app=nginx', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', affinityTimeout: '',
  };
}

const num = (s: string): number | string => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s.trim());

export function parseSelector(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function formToObject(f: ServiceForm): Record<string, unknown> {
  const spec: Record<string, unknown> = { type: f.type };
  spec.ports = f.ports.map((p) => {
    const o: Record<string, unknown> = {};
    if (p.name.trim() !== '') o.name = p.name.trim();
    o.protocol = p.protocol;
    o.port = num(p.port);
    if (p.targetPort.trim() !== '') o.targetPort = num(p.targetPort);
    if (f.type !== 'ClusterIP' && p.nodePort.trim() !== '') o.nodePort = num(p.nodePort);
    return o;
  });
  const sel = parseSelector(f.selector);
  if (Object.keys(sel).length > 0) spec.selector = sel;
  if (f.type !== 'ClusterIP' && f.externalTrafficPolicy !== 'Cluster') spec.externalTrafficPolicy = f.externalTrafficPolicy;
  if (f.internalTrafficPolicy !== 'Cluster') spec.internalTrafficPolicy = f.internalTrafficPolicy;
  if (f.sessionAffinity !== 'None') {
    spec.sessionAffinity = f.sessionAffinity;
    if (f.affinityTimeout.trim() !== '') spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: num(f.affinityTimeout) } };
  }
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: f.name.trim(), namespace: f.namespace.trim() || 'default' }, spec };
}

export function formToYaml(f: ServiceForm): string {
  return stringify(formToObject(f), { indent: 2 });
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The form for a manifest, or the reason it cannot be shown as one (the YAML editor keeps the text). */
export function yamlToForm(text: string): { form: ServiceForm } | { error: string; line?: number } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const err = e as { message?: string; linePos?: { line: number }[] };
    const line = err.linePos?.[0]?.line;
    return { error: (err.message ?? String(e)).split('\n')[0] ?? 'YAML error', ...(line !== undefined ? { line } : {}) };
  }
  if (typeof doc !== 'object' || doc === null) return { error: 'the manifest must be a Service object' };
  const o = doc as { kind?: unknown; metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  if (o.kind !== 'Service') return { error: `kind must be Service (got ${str(o.kind) || 'nothing'})` };
  const spec = o.spec ?? {};
  const ports = Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : [];
  const sel = (spec.selector ?? {}) as Record<string, unknown>;
  const type = str(spec.type) || 'ClusterIP';
  const aff = ((spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined)?.clientIP?.timeoutSeconds);
  return {
    form: {
      name: str(o.metadata?.name),
      namespace: str(o.metadata?.namespace) || 'default',
      type: (['ClusterIP', 'NodePort', 'LoadBalancer'].includes(type) ? type : 'ClusterIP') as ServiceForm['type'],
      ports: ports.map((p) => ({
        name: str(p.name),
        protocol: (['TCP', 'UDP', 'SCTP'].includes(str(p.protocol)) ? str(p.protocol) : 'TCP') as PortRow['protocol'],
        port: str(p.port), targetPort: str(p.targetPort), nodePort: str(p.nodePort),
      })),
      selector: Object.entries(sel).map(([k, v]) => `${k}=${str(v)}`).join(', '),
      externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      internalTrafficPolicy: spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      sessionAffinity: spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None',
      affinityTimeout: str(aff),
    },
  };
}

/** Checks a person can get before asking the API server: the same words it would use where we can. */
export function localErrors(f: ServiceForm): Record<string, string> {
  const e: Record<string, string> = {};
  if (f.name.trim() === '') e['metadata.name'] = 'Required value: name or generateName is required';
  else if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(f.name.trim())) e['metadata.name'] = `Invalid value: "${f.name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`;
  if (f.ports.length === 0) e['spec.ports'] = 'Required value';
  f.ports.forEach((p, i) => {
    const n = Number(p.port);
    if (p.port.trim() === '') e[`spec.ports[${i}].port`] = 'Required value';
    else if (!Number.isInteger(n) || n < 1 || n > 65535) e[`spec.ports[${i}].port`] = `Invalid value: ${p.port}: must be between 1 and 65535, inclusive`;
  });
  return e;
}
