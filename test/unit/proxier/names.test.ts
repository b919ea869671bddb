// Hashed chain names: identical to the ones real kube-proxy writes.
import { describe, expect, it } from 'vitest';
import { servicePortChainName, isServiceChainName, portProtoHash } from '../../../core/engine/proxier/index.js';

describe('servicePortChainName', () => {
  it('derives the names seen on real nodes (seed 003, kube-proxy tests)', () => {
    expect(servicePortChainName('SVC', 'default/kubernetes:https', 'tcp')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(servicePortChainName('SVC', 'kube-system/kube-dns:dns', 'udp')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(servicePortChainName('SEP', 'kube-system/kube-dns:dns', 'udp', '10.244.2.21:53')).toBe('KUBE-SEP-2NK74F4BXH6S2KMP');
    expect(servicePortChainName('EXT', 'ns2/svc2:p80', 'tcp')).toBe('KUBE-EXT-GNZBNJ2PO5MGZ6GT');
    expect(servicePortChainName('FW', 'ns5/svc5:p80', 'tcp')).toBe('KUBE-FW-NUKIZ6OKUXPJNT4C');
    expect(servicePortChainName('SVL', 'ns2/svc2:p80', 'tcp')).toBe('KUBE-SVL-GNZBNJ2PO5MGZ6GT');
    expect(servicePortChainName('SEP', 'ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
  });
  it('hashes 16 base32 characters, so names fit iptables\' 28-character limit', () => {
    expect(portProtoHash('x')).toMatch(/^[A-Z2-7]{16}$/);
    expect(servicePortChainName('XLB', 'a-very-long-namespace-name/a-very-long-service-name:a-long-port', 'sctp').length).toBeLessThanOrEqual(28);
  });
  it('refuses a SEP name without an endpoint, and recognises service chains', () => {
    expect(() => servicePortChainName('SEP', 'ns/svc', 'tcp')).toThrow(/needs an endpoint/);
    expect(isServiceChainName('KUBE-SEP-SXIVWICOYRO3J4NJ')).toBe(true);
    expect(isServiceChainName('KUBE-SERVICES')).toBe(false);
    expect(isServiceChainName('KUBE-MARK-MASQ')).toBe(false);
  });
});
