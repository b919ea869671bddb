// Replays what Linux did (test/fixtures/differential, recorded by the kernel
// tier as root) through the engine without root: every recorded probe must give
// the same hooks, matched rules, verdict, DNAT, SNAT address and delivery. The
// comparison is the kernel tier's own (test/kernel/differential/compare.ts).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeDescription } from '../../../core/engine/packet/index.js';
import { parseIptablesSave } from '../../../core/engine/iptables/index.js';
import { fromEngine, fromKernel, runEngine } from '../../kernel/differential/compare.js';
import type { KernelObservation } from '../../kernel/differential/kernel-harness.js';
import type { Topology } from '../../kernel/helpers/topology.js';

interface Recording {
  topology: string;
  rulesets: string[];
  cases: { case: string; ruleset: number; node: NodeDescription; kernel: KernelObservation[] }[];
}

const DIR = join(__dirname, '../../fixtures/differential');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('the engine replays what Linux did (recorded kernel observations)', () => {
  it('has recordings to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    const rec = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Recording;
    describe(rec.topology, () => {
      for (const c of rec.cases) {
        it(`${c.case} (${c.kernel.length} probe${c.kernel.length === 1 ? '' : 's'})`, () => {
          const parsed = parseIptablesSave(rec.rulesets[c.ruleset]!);
          if (!parsed.ok) throw new Error(parsed.errors[0]!.message);
          // enginePacket only asks the topology which pods exist.
          const topo = { podIface: new Map((c.node.pods ?? []).map((p) => [p.name, p.iface ?? ''])) } as unknown as Topology;
          const { traces } = runEngine(parsed.value, c.node, topo, c.kernel);
          c.kernel.forEach((k, i) => {
            expect(traces[i] ? fromEngine(traces[i]) : null, `probe ${i + 1} from ${k.probe.from} to ${k.probe.dst}:${k.probe.dport}`).toEqual(fromKernel(k));
          });
        });
      }
    });
  }
});
