// Partial syncs (kube-proxy's TestSyncProxyRulesRepeated): only changed
// services' chains are rewritten, stale chains are declared then deleted
// with -X, and a failed restore forces a full sync.
import { describe, expect, it } from 'vitest';
import { syncProxyRules, syncProxyRulesPartial, checkJumps } from '../../../core/engine/proxier/index.js';
import { chainRules, declaredChains, ep, input, port, service, slice, tableLines } from './helpers.js';

const svc = (ns: string, name: string, ip: string, p: number, pn = `p${p}`) => service(ns, name, { clusterIP: ip, ports: [port(pn, p)] });
const sl = (ns: string, name: string, ip: string, p: number, pn = `p${p}`) => slice(ns, name, [ep(ip)], [{ name: pn, port: p }]);

describe('repeated syncs', () => {
  const s1 = svc('ns1', 'svc1', '172.30.0.41', 80);
  const s2 = svc('ns2', 'svc2', '172.30.0.42', 8080);
  const first = syncProxyRules(input([s1, s2], [sl('ns1', 'svc1', '10.0.1.1', 80), sl('ns2', 'svc2', '10.0.2.1', 8080)]));

  it('a full sync writes every chain', () => {
    expect(declaredChains(first.restore, 'nat')).toEqual([
      'KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING',
      'KUBE-SEP-SNQ3ZNILQDEJNDQO', 'KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6', 'KUBE-SVC-XPGD46QRK7WJZT7O',
    ]);
    expect(first.partial).toBe(false);
  });

  const s3 = svc('ns3', 'svc3', '172.30.0.43', 80);
  const slices3 = [sl('ns1', 'svc1', '10.0.1.1', 80), sl('ns2', 'svc2', '10.0.2.1', 8080), sl('ns3', 'svc3', '10.0.3.1', 80)];
  const second = syncProxyRulesPartial(input([s1, s2, s3], slices3), first, { services: ['ns3/svc3'] });

  it('adding a service writes only its chains, but every KUBE-SERVICES rule', () => {
    expect(declaredChains(second.restore, 'nat')).toEqual(['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'KUBE-SEP-BSWRHOQ77KEXZLNL', 'KUBE-SVC-X27LE4BHSL4DOUIK']);
    expect(chainRules(second.restore, 'nat', 'KUBE-SERVICES').map((l) => l.split(' -j ')[1])).toEqual(['KUBE-SVC-XPGD46QRK7WJZT7O', 'KUBE-SVC-2VJB64SDSIJUP5T6', 'KUBE-SVC-X27LE4BHSL4DOUIK', 'KUBE-NODEPORTS']);
    expect(chainRules(second.restore, 'nat', 'KUBE-SEP-BSWRHOQ77KEXZLNL')).toEqual([
      '-m comment --comment ns3/svc3:p80 -s 10.0.3.1 -j KUBE-MARK-MASQ',
      '-m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.1:80',
    ]);
    expect(second.partial).toBe(true);
    // Chains kept from before count as existing for the jump check.
    const kept = first.activeNatChains!.map((c) => `nat:${c}`);
    expect(checkJumps(second.restore, kept)).toEqual([]);
  });

  const third = syncProxyRulesPartial(input([s1, s3], [sl('ns1', 'svc1', '10.0.1.1', 80), sl('ns3', 'svc3', '10.0.3.1', 80)]), second, { services: ['ns2/svc2'] });

  it('deleting a service flushes and deletes its chains and rewrites nothing else', () => {
    expect(declaredChains(third.restore, 'nat')).toEqual(['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6']);
    expect(tableLines(third.restore, 'nat').filter((l) => l.startsWith('-X'))).toEqual(['-X KUBE-SEP-UHEGFW77JX3KXTOV', '-X KUBE-SVC-2VJB64SDSIJUP5T6']);
    expect(chainRules(third.restore, 'nat', 'KUBE-SEP-UHEGFW77JX3KXTOV')).toEqual([]);
  });

  const s4 = svc('ns4', 'svc4', '172.30.0.44', 80);
  const fourth = syncProxyRulesPartial(input([s1, s3, s4], [sl('ns1', 'svc1', '10.0.1.1', 80), sl('ns3', 'svc3', '10.0.3.1', 80)]), third, { services: ['ns4/svc4'] });

  it('a new service without endpoints only adds its REJECT rule', () => {
    expect(chainRules(fourth.restore, 'filter', 'KUBE-SERVICES')).toEqual(['-m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j REJECT']);
    expect(declaredChains(fourth.restore, 'nat')).toEqual(['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']);
  });

  const fifthSlices = [sl('ns1', 'svc1', '10.0.1.1', 80), sl('ns3', 'svc3', '10.0.3.2', 80), sl('ns4', 'svc4', '10.0.4.1', 80)];
  const fifth = syncProxyRulesPartial(input([s1, s3, s4], fifthSlices), fourth, { services: ['ns4/svc4', 'ns3/svc3'] });

  it('a changed endpoint rewrites its service and deletes the old endpoint chain', () => {
    expect(declaredChains(fifth.restore, 'nat')).toEqual([
      'KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING',
      'KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SEP-BSWRHOQ77KEXZLNL', 'KUBE-SEP-DKCFIS26GWF2WLWC', 'KUBE-SVC-4SW47YFZTEDKD3PK', 'KUBE-SVC-X27LE4BHSL4DOUIK',
    ]);
    expect(tableLines(fifth.restore, 'nat').filter((l) => l.startsWith('-X'))).toEqual(['-X KUBE-SEP-BSWRHOQ77KEXZLNL']);
  });

  it('after a failed restore the next sync is a full one', () => {
    const full = syncProxyRulesPartial(input([s1, s3, s4], fifthSlices), fifth, { services: [], restoreFailed: true });
    expect(full.partial).toBe(false);
    expect(declaredChains(full.restore, 'nat')).toContain('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(checkJumps(full.restore)).toEqual([]);
  });
});
