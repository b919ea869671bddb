// Pod, Deployment, ReplicaSet, DaemonSet: defaulting and validation as the API
// server does them (the fields kubectl shows in `-o yaml` and `describe`).

import type { KubeObject } from './api.js';
import type { FieldError } from './status.js';
import { invalidValue, required, unsupported } from './status.js';
import { isObject } from './objects.js';

type Json = Record<string, unknown>;

const asObj = (v: unknown): Json => (isObject(v) ? v : {});

/** SetDefaults for a PodSpec (also used for templates). */
export function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  for (const c0 of containers) {
    const c = asObj(c0);
    const image = typeof c.image === 'string' ? c.image : '';
    const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
    c.imagePullPolicy ??= tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of Array.isArray(c.ports) ? c.ports : []) {
      const pp = asObj(p);
      pp.protocol ??= 'TCP';
    }
  }
  if (!Array.isArray(spec.tolerations)) {
    spec.tolerations = [
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ];
  }
}

export function validatePodSpec(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push(required(`${path}.containers`));
    return errs;
  }
  const names = new Set<string>();
  containers.forEach((c0, i) => {
    const c = asObj(c0);
    const f = `${path}.containers[${i}]`;
    if (typeof c.name !== 'string' || c.name === '') errs.push(required(`${f}.name`));
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name)) {
      errs.push(invalidValue(`${f}.name`, c.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
    } else if (names.has(c.name)) errs.push({ field: `${f}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(c.name)}` });
    if (typeof c.name === 'string') names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') errs.push(required(`${f}.image`));
    (Array.isArray(c.ports) ? c.ports : []).forEach((p0, j) => {
      const p = asObj(p0);
      const cp = p.containerPort;
      if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 1 || cp > 65535) {
        errs.push(invalidValue(`${f}.ports[${j}].containerPort`, cp ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      if (p.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(p.protocol))) {
        errs.push(unsupported(`${f}.ports[${j}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
      }
    });
  });
  return errs;
}

export function defaultPod(o: KubeObject): void {
  const spec = asObj(o.spec);
  o.spec = spec;
  defaultPodSpec(spec);
  o.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
}

function defaultTemplate(spec: Json): void {
  const t = asObj(spec.template);
  spec.template = t;
  t.metadata = asObj(t.metadata);
  const ts = asObj(t.spec);
  t.spec = ts;
  defaultPodSpec(ts);
}

export function defaultDeployment(o: KubeObject): void {
  const spec = asObj(o.spec);
  o.spec = spec;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  defaultTemplate(spec);
  o.status ??= {};
}

export function defaultReplicaSet(o: KubeObject): void {
  const spec = asObj(o.spec);
  o.spec = spec;
  spec.replicas ??= 1;
  defaultTemplate(spec);
  o.status ??= { replicas: 0 };
}

export function defaultDaemonSet(o: KubeObject): void {
  const spec = asObj(o.spec);
  o.spec = spec;
  spec.revisionHistoryLimit ??= 10;
  spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
  defaultTemplate(spec);
  o.status ??= {};
}

/** Deployment/ReplicaSet/DaemonSet: a selector that matches the template's labels, and a valid template. */
export function validateWorkload(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(o.spec);
  const sel = asObj(spec.selector);
  const matchLabels = asObj(sel.matchLabels) as Record<string, string>;
  const tmplLabels = asObj(asObj(asObj(spec.template).metadata).labels) as Record<string, string>;
  if (!isObject(spec.selector) || (Object.keys(matchLabels).length === 0 && !Array.isArray(sel.matchExpressions))) {
    errs.push(required('spec.selector'));
    if (Object.keys(tmplLabels).length > 0) errs.push(invalidValue('spec.template.metadata.labels', tmplLabels, '`selector` does not match template `labels`'));
  } else if (!Object.entries(matchLabels).every(([k, v]) => tmplLabels[k] === v)) {
    errs.push(invalidValue('spec.template.metadata.labels', tmplLabels, '`selector` does not match template `labels`'));
  }
  if (typeof spec.replicas === 'number' && (spec.replicas < 0 || !Number.isInteger(spec.replicas))) {
    errs.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  errs.push(...validatePodSpec(asObj(asObj(spec.template).spec), 'spec.template.spec'));
  return errs;
}
