// Building blocks of kubectl's output: AGE durations, the tabwriter's column
// rule, flag parsing with pflag's words, JSONPath templates, YAML/JSON shape.

import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../../../core/lab/kubectl/print/age.js';
import { tabify, TABLE_TABS, DESCRIBE_TABS } from '../../../../core/lab/kubectl/print/tabwriter.js';
import { parseFlags } from '../../../../core/lab/kubectl/flags.js';
import { jsonPath } from '../../../../core/lab/kubectl/print/jsonpath.js';
import { goTemplate } from '../../../../core/lab/kubectl/print/gotemplate.js';
import { toJson, toYaml } from '../../../../core/lab/kubectl/print/output.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (AGE)', () => {
  it.each([
    [0, '0s'], [68 * s, '68s'], [119 * s, '119s'], [2 * m, '2m'], [2 * m + 9 * s, '2m9s'], [10 * m + 30 * s, '10m'],
    [179 * m, '179m'], [3 * h, '3h'], [6 * h + 5 * m, '6h5m'], [30 * h, '30h'], [6 * d + 14 * h, '6d14h'], [7 * d, '7d'],
    [24 * d, '24d'], [400 * d, '400d'], [800 * d, '2y70d'], [9 * 365 * d, '9y'], [-500, '0s'], [-5 * s, '<invalid>'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('tabwriter', () => {
  it('pads every column to its widest cell plus three, last cell unpadded', () => {
    expect(tabify('NAME\tREADY\tSTATUS\nnginx-5bc759676c-x9bwg\t1/1\tRunning\n', TABLE_TABS)).toBe(
      'NAME                     READY   STATUS\nnginx-5bc759676c-x9bwg   1/1     Running\n',
    );
  });
  it('gives a column at least six characters in tables', () => {
    expect(tabify('IP\tX\n1\ty\n', TABLE_TABS)).toBe('IP    X\n1     y\n');
  });
  it('a line without a tab ends a column block (describe sections)', () => {
    expect(tabify('Name:\ta\nAnnotations:\tb\nSubsets:\n  Addresses:\tc\n', DESCRIBE_TABS)).toBe(
      'Name:         a\nAnnotations:  b\nSubsets:\n  Addresses:  c\n',
    );
  });
});

describe('flags', () => {
  const specs = [
    { name: 'output', short: 'o', kind: 'string' as const },
    { name: 'watch', short: 'w', kind: 'bool' as const },
    { name: 'all-namespaces', short: 'A', kind: 'bool' as const },
  ];
  it('reads long, short, attached and grouped forms anywhere in the line', () => {
    const r = parseFlags(['pods', '-owide', '-n', 'kube-system', '--watch', 'x', '-A'], specs);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.args).toEqual(['pods', 'x']);
    expect(r.value.values.get('output')).toEqual(['wide']);
    expect(r.value.values.get('namespace')).toEqual(['kube-system']);
    expect(r.value.values.get('watch')).toEqual(['true']);
    const g = parseFlags(['-wA', '-o=yaml', '--namespace=default'], specs);
    expect(g.ok && [g.value.values.get('watch'), g.value.values.get('all-namespaces'), g.value.values.get('output'), g.value.values.get('namespace')]).toEqual([['true'], ['true'], ['yaml'], ['default']]);
  });
  it('stops at -- and keeps the rest for exec', () => {
    const r = parseFlags(['nginx', '--', 'ls', '-l'], specs);
    expect(r.ok && r.value.rest).toEqual(['ls', '-l']);
  });
  it('reports unknown and incomplete flags as pflag does', () => {
    expect(parseFlags(['--foo'], specs)).toEqual({ ok: false, message: 'unknown flag: --foo' });
    expect(parseFlags(['-x'], specs)).toEqual({ ok: false, message: "unknown shorthand flag: 'x' in -x" });
    expect(parseFlags(['-o'], specs)).toEqual({ ok: false, message: "flag needs an argument: 'o' in -o" });
  });
});

describe('jsonpath', () => {
  const pod = { metadata: { name: 'nginx', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }, { name: 'b' }] }, status: { podIP: '10.244.0.11' } };
  const list = { kind: 'List', items: [pod, { ...pod, metadata: { name: 'other', labels: { app: 'db' } }, status: { podIP: '10.244.1.3' } }] };
  it.each([
    ['{.status.podIP}', pod, '10.244.0.11'],
    ['{.status.podIP}:{.spec.containers[0].ports[0].containerPort}', pod, '10.244.0.11:80'],
    ['{.spec.containers[*].name}', pod, 'a b'],
    ['{.spec.containers[-1].name}', pod, 'b'],
    ['{.items[*].metadata.name}', list, 'nginx other'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}', list, 'nginx\t10.244.0.11\nother\t10.244.1.3\n'],
    ['{.items[?(@.metadata.labels.app=="db")].status.podIP}', list, '10.244.1.3'],
    ['{.metadata.labels}', pod, '{"app":"web"}'],
    ['{.spec.containers[0]}', pod, '{"name":"a","ports":[{"containerPort":80}]}'],
    ['{.x}', { x: { port: 80, nodePort: 30450, protocol: 'TCP' } }, '{"nodePort":30450,"port":80,"protocol":"TCP"}'],
    ['{..containerPort}', pod, '80'],
    ['{.metadata.missing}', pod, ''],
    ["{.metadata.labels['app']}", pod, 'web'],
  ])('%s', (tpl, data, want) => {
    expect(jsonPath(tpl, data)).toEqual({ ok: true, value: want });
  });
  it('reports a template that does not parse', () => {
    const r = jsonPath('{.items[*}', list);
    expect(r.ok).toBe(false);
  });
});

describe('go-template', () => {
  const list = { items: [{ metadata: { name: 'a', labels: { app: 'web' } }, spec: { ports: [{ port: 80 }] } }, { metadata: { name: 'b' }, spec: {} }] };
  it.each([
    ['{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}', 'a\nb\n'],
    ['{{range .items}}{{if .metadata.labels}}{{index .metadata.labels "app"}}{{else}}-{{end}} {{end}}', 'web - '],
    ['{{len .items}}', '2'],
    ['{{range .items}}{{.spec.ports}};{{end}}', '[map[port:80]];<no value>;'],
    ['{{range .items}}{{printf "%s:%v" .metadata.name .missing}} {{end}}', 'a:<no value> b:<no value> '],
  ])('%s', (tpl, want) => {
    expect(goTemplate(tpl, list)).toEqual({ ok: true, value: want });
  });
  it('reports templates that do not parse', () => {
    expect(goTemplate('{{range .items}}', list).ok).toBe(false);
    expect(goTemplate('{{nosuch .x}}', list).ok).toBe(false);
  });
});

describe('yaml and json as kubectl prints them', () => {
  const obj = { kind: 'Service', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: '2022-03-29T14:16:25Z', labels: { on: 'true', b: '80' } }, spec: { ports: [{ targetPort: 80, port: 80 }], selector: {} } };
  it('yaml: keys sorted, sequences flush with their key, ambiguous strings quoted', () => {
    expect(toYaml(obj)).toBe(
      'apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: "2022-03-29T14:16:25Z"\n  labels:\n    b: "80"\n    "on": "true"\n  name: x\nspec:\n  ports:\n  - port: 80\n    targetPort: 80\n  selector: {}\n',
    );
  });
  it('json: keys sorted, four spaces, Go escaping of < and >', () => {
    const j = toJson({ b: 1, a: { d: '<none>', c: [1] } });
    expect(j).toBe('{\n    "a": {\n        "c": [\n            1\n        ],\n        "d": "\\u003cnone\\u003e"\n    },\n    "b": 1\n}\n');
  });
});
