// kube-proxy's own packet-flow expectations (proxier_test.go's runPacketFlowTests),
// run through our kernel-order engine: on the dumps in test/fixtures/packet/kube-proxy
// and on our proxier's live output. Our engine walks every hook (OUTPUT for the
// node's own packets, conntrack, marks); kube-proxy's tracer runs nat PREROUTING
// and a few filter chains only. Where that legitimately changes the path, the
// flow says so (`differs`); the outcome must still agree. Masquerading is
// judged by the MASQUERADE our POSTROUTING walk really applies (kube-proxy's
// tracer only notes the jump to KUBE-MARK-MASQ and ignores mark matches).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, rules } from './helpers.js';
import { dumpOf, engineNode } from './kube-proxy/dumps.js';
import { ingressOf, runFlow } from './kube-proxy/run-flow.js';
import { SCENARIOS } from './kube-proxy/scenarios.js';

const total = SCENARIOS.reduce((n, s) => n + s.flows.length, 0);

describe(`kube-proxy packet flows (${total} flows from ${SCENARIOS.length} kube-proxy test cases)`, () => {
  for (const s of SCENARIOS) {
    describe(`${s.id} (${s.from})`, () => {
      const node = engineNode(s);
      const fixture = rules(readFileSync(join(FIXTURES, 'kube-proxy', `${s.id}.rules`), 'utf8'));
      for (const f of s.flows) {
        // kube-proxy's tracer runs nat PREROUTING for every packet; the node's own packets really take OUTPUT.
        const differs = f.differs ?? (ingressOf(s, node, f.src) === 'node' ? 'a packet of the node itself: we walk nat OUTPUT, filter OUTPUT and POSTROUTING, kube-proxy walks nat PREROUTING' : undefined);
        it(`${f.name}: ${f.src} → ${f.dst}:${f.dport}${differs !== undefined ? ` [differs from kube-proxy's tracer: ${differs}]` : ''}`, () => {
          const r = runFlow(s, fixture, node, f);
          expect(r.agrees, `kube-proxy expects ${JSON.stringify(f.expect)}, masq ${f.masq}; ours: ${r.ours}`).toBe(true);
        });
      }
    });
  }
});

/**
 * Flows where our proxier (not the engine) still writes other rules than
 * kube-proxy. Each is expected to disagree; when the proxier is fixed the
 * test fails and the entry must go.
 */
const PROXIER_DEVIATIONS: Record<string, string> = {
  // (none today; the proxier once dropped the source range " 203.0.113.0/25" of load-balancer instead of trimming it)
};

describe("the same flows on our proxier's live output (syncProxyRules)", () => {
  for (const s of SCENARIOS) {
    describe(s.id, () => {
      const node = engineNode(s);
      const live = rules(dumpOf(s));
      for (const f of s.flows) {
        const deviation = PROXIER_DEVIATIONS[`${s.id}/${f.name}`];
        const check = () => {
          const r = runFlow(s, live, node, f);
          expect(r.agrees, `kube-proxy expects ${JSON.stringify(f.expect)}, masq ${f.masq}; ours: ${r.ours}`).toBe(true);
        };
        if (deviation !== undefined) it.fails(`${f.name} [known proxier deviation: ${deviation}]`, check);
        else it(f.name, check);
      }
    });
  }
});
