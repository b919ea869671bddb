import { describe, expect, it } from 'vitest';
import { applyRestore, saveRuleset } from '../../../../core/engine/iptables/index.js';
import type { Ruleset } from '../../../../core/engine/iptables/index.js';
import { restoreTouched, syncRules } from '../../../../core/lab/node/kube-proxy.js';
import { createSimLab, manualClock } from '../../../../core/lab/index.js';

const installed = (text: string): Ruleset => {
  const r = applyRestore({ tables: [] }, text, { noflush: false, counters: true });
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.value;
};
const save = (rs: Ruleset) => saveRuleset(rs, { counters: true }).replace(/^#.*\n/gm, '');

const BASE = `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
:KUBE-MARK - [0:0]
[7:420] -A PREROUTING -j KUBE-SERVICES
[3:180] -A KUBE-MARK -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A
-A KUBE-SVC-A -j RETURN
COMMIT
*filter
:INPUT ACCEPT [0:0]
[5:300] -A INPUT -j ACCEPT
COMMIT
`;

describe('restoreTouched (iptables-restore --noflush on the chains the text names)', () => {
  it('gives what the whole-ruleset restore gives, counters of untouched chains kept', () => {
    const rs = installed(BASE);
    const text = '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-B - [0:0]\n-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-B\n-A KUBE-SVC-B -j KUBE-MARK\nCOMMIT\n';
    const fast = restoreTouched(rs, text);
    const whole = applyRestore(rs, text, { noflush: true });
    expect(fast.ok && whole.ok).toBe(true);
    if (!fast.ok || !whole.ok) return;
    expect(save(fast.value)).toBe(save(whole.value));
    expect(save(fast.value)).toContain('[3:180] -A KUBE-MARK');
    expect(save(fast.value)).toContain('[5:300] -A INPUT -j ACCEPT');
  });

  it('reports the error the whole restore reports (a jump to a chain that does not exist)', () => {
    const rs = installed(BASE);
    const text = '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-NOPE\nCOMMIT\n';
    const fast = restoreTouched(rs, text);
    const whole = applyRestore(rs, text, { noflush: true });
    expect(fast.ok).toBe(false);
    expect(fast).toEqual(whole);
  });

  it('takes the whole path for lines other than :, -A and -I (here -X of a chain another one jumps to)', () => {
    const rs = installed(BASE);
    const text = '*nat\n:KUBE-SVC-A - [0:0]\n-X KUBE-SVC-A\nCOMMIT\n';
    expect(restoreTouched(rs, text)).toEqual(applyRestore(rs, text, { noflush: true }));
  });

  it('a chain the user edited between syncs is parsed again, not reused', async () => {
    const lab = await createSimLab({ name: 't', nodes: 2, kubeProxyVersion: '1.33', backend: 'sim', seed: 4 }, { clock: manualClock() });
    await lab.kubectl(['create', 'deployment', 'web', '--image=nginx']);
    await lab.kubectl(['expose', 'deployment', 'web', '--port=80']);
    await lab.advance(5000);
    const r = await lab.exec('k8s1', 'iptables -t nat -I KUBE-SERVICES 1 -j RETURN');
    expect(r.exitCode, r.output).toBe(0);
    await lab.kubectl(['expose', 'deployment', 'web', '--name=two', '--port=81']);
    await lab.advance(2000);
    const rt = lab.runtime;
    const n = rt.node('k8s1')!;
    // kube-proxy rewrote KUBE-SERVICES: the user's RETURN is gone, both Services are there.
    const text = saveRuleset(n.rules4, { counters: false });
    expect(text).not.toMatch(/-A KUBE-SERVICES -j RETURN/);
    expect(text).toContain('default/two cluster IP');
    const full = syncRules(installed('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n'), n, rt.api.find('Node', null, n.name)!, rt.api.all('Service'), rt.api.all('EndpointSlice'), rt.release);
    const services = (s: string) => s.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES')).join('\n');
    expect(services(text)).toBe(services(saveRuleset(full.rules4, { counters: false })));
  });
});
