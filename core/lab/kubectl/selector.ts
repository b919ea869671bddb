// Label and field selectors as kubectl accepts them (`-l app=nginx`,
// `-l 'tier in (web,api),!canary'`, `--field-selector spec.nodeName=k8s1`),
// matched on the client so every command filters the same way.

import { at } from './obj.js';

type Req =
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | '!exists'; key: string };

export type Selector = { ok: true; matches: (labels: Record<string, string>) => boolean } | { ok: false; message: string };

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function parseLabelSelector(text: string): Selector {
  const reqs: Req[] = [];
  for (const part of splitTop(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part)) !== null) {
      reqs.push({ op: m[2] as 'in' | 'notin', key: m[1] as string, values: (m[3] as string).split(',').map((v) => v.trim()).filter((v) => v !== '') });
    } else if ((m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s=!]*)$/.exec(part)) !== null) {
      reqs.push({ op: m[2] === '!=' ? '!=' : '=', key: m[1] as string, value: m[3] as string });
    } else if ((m = /^!\s*([^\s!=]+)$/.exec(part)) !== null) {
      reqs.push({ op: '!exists', key: m[1] as string });
    } else if (/^[A-Za-z0-9][-A-Za-z0-9_./]*$/.test(part)) {
      reqs.push({ op: 'exists', key: part });
    } else {
      return { ok: false, message: `unable to parse requirement: found '${part}', expected: identifier` };
    }
  }
  return {
    ok: true,
    matches: (labels) =>
      reqs.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(labels, r.key);
        const v = labels[r.key];
        switch (r.op) {
          case '=': return has && v === r.value;
          case '!=': return !has || v !== r.value;
          case 'in': return has && r.values.includes(v as string);
          case 'notin': return !has || !r.values.includes(v as string);
          case 'exists': return has;
          case '!exists': return !has;
        }
        return false;
      }),
  };
}

export type FieldSelector = { ok: true; matches: (o: unknown) => boolean } | { ok: false; message: string };

export function parseFieldSelector(text: string): FieldSelector {
  const reqs: { path: string; neg: boolean; value: string }[] = [];
  for (const part of splitTop(text)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (m === null) return { ok: false, message: `invalid selector: '${text}'; can't understand '${part}'` };
    reqs.push({ path: (m[1] as string).trim(), neg: m[2] === '!=', value: (m[3] as string).trim() });
  }
  return {
    ok: true,
    matches: (o) =>
      reqs.every((r) => {
        const v = at(o, r.path);
        const s = v === undefined || v === null ? '' : String(v);
        return r.neg ? s !== r.value : s === r.value;
      }),
  };
}
