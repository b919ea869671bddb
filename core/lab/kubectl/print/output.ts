// `-o yaml`, `-o json`, `-o name`: objects as kubectl prints what the server
// returned — keys sorted (kubectl decodes into unstructured maps), JSON
// indented by four spaces with Go's escaping, YAML as go-yaml writes it
// (sequences flush with their key, ambiguous strings quoted YAML 1.1 style),
// several objects wrapped in a `List`.

import YAML from 'yaml';
import { goJson } from './jsonpath.js';
import { isObject, nameOf, sortKeys, str } from '../obj.js';

export { sortKeys };
import { qualifiedSingular, resolveResource } from '../resources.js';

/** Objects kubectl hides unless --show-managed-fields. */
export function stripManagedFields(o: unknown): unknown {
  if (!isObject(o) || !isObject(o.metadata) || !('managedFields' in o.metadata)) return o;
  const meta = { ...o.metadata };
  delete meta.managedFields;
  return { ...o, metadata: meta };
}

export function asList(items: unknown[]): unknown {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function toYaml(v: unknown): string {
  return YAML.stringify(sortKeys(v), { version: '1.1', indentSeq: false, lineWidth: 80, minContentWidth: 20, aliasDuplicateObjects: false });
}

export function toJson(v: unknown): string {
  return `${goJson(sortKeys(v), 4)}\n`;
}

/** `pod/nginx`, `deployment.apps/nginx`. */
export function objectName(o: unknown): string {
  const r = resolveResource(str(o, 'kind'));
  return `${r !== undefined ? qualifiedSingular(r) : str(o, 'kind').toLowerCase()}/${nameOf(o)}`;
}
