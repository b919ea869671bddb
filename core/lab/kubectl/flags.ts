// Command-line flags the way kubectl (cobra + pflag) reads them: `--name=v`,
// `--name v`, `-n v`, `-nv`, `-n=v`, grouped booleans `-it`, `--` ends flags,
// flags may come before or after positional arguments. Errors use pflag's words.

export type FlagKind = 'bool' | 'string' | 'strings' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
}

export interface ParsedFlags {
  /** Positional arguments before `--`. */
  args: string[];
  /** Arguments after `--` (exec's command). */
  rest: string[];
  /** Whether `--` was present. */
  dashDash: boolean;
  values: Map<string, string[]>;
}

export type FlagResult = { ok: true; value: ParsedFlags } | { ok: false; message: string };

/** Flags every kubectl command accepts (kubectl's global options that matter offline). */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'namespace', short: 'n', kind: 'string' },
  { name: 'help', short: 'h', kind: 'bool' },
  { name: 'context', kind: 'string' },
  { name: 'cluster', kind: 'string' },
  { name: 'kubeconfig', kind: 'string' },
  { name: 'request-timeout', kind: 'string' },
  { name: 'v', short: 'v', kind: 'string' },
];

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

export function parseFlags(argv: string[], specs: FlagSpec[]): FlagResult {
  const all = [...specs, ...GLOBAL_FLAGS];
  const byLong = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const values = new Map<string, string[]>();
  const args: string[] = [];
  const put = (spec: FlagSpec, v: string): string | undefined => {
    if (spec.kind === 'bool') {
      const b = parseBool(v);
      if (b === undefined) return `invalid argument "${v}" for "--${spec.name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`;
      values.set(spec.name, [String(b)]);
      return undefined;
    }
    if (spec.kind === 'int' && !/^[+-]?\d+$/.test(v)) {
      return `invalid argument "${v}" for "${spec.short !== undefined ? `-${spec.short}, ` : ''}--${spec.name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`;
    }
    const prev = values.get(spec.name) ?? [];
    if (spec.kind === 'strings') values.set(spec.name, [...prev, ...v.split(',').filter((x) => x !== '')]);
    else values.set(spec.name, [v]);
    return undefined;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      return { ok: true, value: { args, rest: argv.slice(i + 1), dashDash: true, values } };
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byLong.get(name);
      if (spec === undefined) return { ok: false, message: `unknown flag: --${name}` };
      let v: string;
      if (eq >= 0) v = a.slice(eq + 1);
      else if (spec.kind === 'bool') v = 'true';
      else if (i + 1 < argv.length) v = argv[++i] as string;
      else return { ok: false, message: `flag needs an argument: --${name}` };
      const err = put(spec, v);
      if (err !== undefined) return { ok: false, message: err };
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && a !== '-') {
      // Shorthand group: each letter a flag until one takes the remaining text as its value.
      let j = 1;
      while (j < a.length) {
        const c = a[j] as string;
        const spec = byShort.get(c);
        if (spec === undefined) return { ok: false, message: `unknown shorthand flag: '${c}' in ${a}` };
        if (spec.kind === 'bool') {
          if (a[j + 1] === '=') {
            const err = put(spec, a.slice(j + 2));
            if (err !== undefined) return { ok: false, message: err };
            break;
          }
          put(spec, 'true');
          j++;
          continue;
        }
        let v: string;
        if (j + 1 < a.length) v = a[j + 1] === '=' ? a.slice(j + 2) : a.slice(j + 1);
        else if (i + 1 < argv.length) v = argv[++i] as string;
        else return { ok: false, message: `flag needs an argument: '${c}' in -${c}` };
        const err = put(spec, v);
        if (err !== undefined) return { ok: false, message: err };
        break;
      }
      continue;
    }
    args.push(a);
  }
  return { ok: true, value: { args, rest: [], dashDash: false, values } };
}

/** Typed reads of parsed flags. */
export class Flags {
  constructor(readonly parsed: ParsedFlags) {}
  get args(): string[] {
    return this.parsed.args;
  }
  has(name: string): boolean {
    return this.parsed.values.has(name);
  }
  str(name: string, dflt = ''): string {
    const v = this.parsed.values.get(name);
    return v === undefined || v.length === 0 ? dflt : (v[v.length - 1] as string);
  }
  list(name: string): string[] {
    return this.parsed.values.get(name) ?? [];
  }
  bool(name: string): boolean {
    return this.str(name) === 'true';
  }
  int(name: string): number | undefined {
    const v = this.parsed.values.get(name);
    return v === undefined ? undefined : Number(v[v.length - 1]);
  }
}
