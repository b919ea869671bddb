// What a node has before anyone touches it: system processes and their
// sockets, the base iptables tables, the home directories.

import type { Ruleset } from '../../engine/iptables/model.js';
import { parseIptablesSave } from '../../engine/iptables/index.js';
import type { ReleaseInfo } from '../cluster/versions.js';
import type { NodeState, SimProcess } from './state.js';
import type { SocketInfo } from '../shell/host.js';

/** The tables a freshly booted kubeadm node has (kubelet's canaries). */
export const BASE_RULES = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
`;

export function baseRules(): Ruleset {
  const r = parseIptablesSave(BASE_RULES);
  return r.ok ? r.value : { tables: [] };
}

export function emptyRules6(): Ruleset {
  return { tables: [] };
}

export function macFor(index: number): string {
  return `02:42:c0:a8:31:${(2 + index).toString(16).padStart(2, '0')}`;
}

export function addProcess(node: NodeState, p: Omit<SimProcess, 'pid'> & { pid?: number }): SimProcess {
  const pid = p.pid ?? allocPid(node);
  const proc: SimProcess = { ...p, pid };
  node.processes.push(proc);
  return proc;
}

/** PIDs grow with small random-looking gaps (other short-lived processes ran in between). */
export function allocPid(node: NodeState): number {
  const pid = node.nextPid;
  node.nextPid += 1 + ((pid * 7919) % 23);
  return pid;
}

export function addSocket(node: NodeState, s: Omit<SocketInfo, 'inode' | 'fd'> & { fd?: number }): SocketInfo {
  const sock: SocketInfo = { fd: s.fd ?? 3 + node.sockets.filter((x) => x.pid === s.pid).length, inode: node.nextInode, ...s } as SocketInfo;
  node.nextInode += 1 + (node.nextInode % 97);
  node.sockets.push(sock);
  return sock;
}

/** Boot: init, journald, sshd, containerd, kubelet (and the control plane's daemons on the first node). */
export function bootNode(node: NodeState, r: ReleaseInfo, bootedAt: number): void {
  const sys = (argv: string[], comm: string, extra: Partial<SimProcess> = {}): SimProcess => addProcess(node, {
    ppid: 1, user: 'root', argv, comm, startedAt: bootedAt, tty: '?', cpuMs: 1000, role: 'system', stat: 'Ss', ...extra,
  });
  addProcess(node, { pid: 1, ppid: 0, user: 'root', argv: ['/sbin/init'], comm: 'systemd', startedAt: bootedAt, tty: '?', cpuMs: 9000, role: 'system', stat: 'Ss' });
  node.nextPid = 2;
  addProcess(node, { pid: 2, ppid: 0, user: 'root', argv: ['[kthreadd]'], comm: 'kthreadd', startedAt: bootedAt, tty: '?', cpuMs: 0, role: 'system', stat: 'S' });
  node.nextPid = 180 + node.index * 13;
  sys(['/lib/systemd/systemd-journald'], 'systemd-journal');
  const resolved = sys(['/lib/systemd/systemd-resolved'], 'systemd-resolve', { user: 'systemd-resolve' });
  addSocket(node, { proto: 'udp', family: 4, localAddress: '127.0.0.53', localPort: 53, state: 'UNCONN', pid: resolved.pid });
  addSocket(node, { proto: 'tcp', family: 4, localAddress: '127.0.0.53', localPort: 53, state: 'LISTEN', pid: resolved.pid });
  const sshd = sys(['sshd:', '/usr/sbin/sshd', '-D', '[listener]', '0', 'of', '10-100', 'startups'], 'sshd');
  addSocket(node, { proto: 'tcp', family: 4, localAddress: '0.0.0.0', localPort: 22, state: 'LISTEN', pid: sshd.pid });
  addSocket(node, { proto: 'tcp', family: 6, localAddress: '::', localPort: 22, state: 'LISTEN', pid: sshd.pid });
  node.nextPid = 600 + node.index * 31;
  const containerd = r.minor < 24
    ? sys(['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'], 'dockerd', { stat: 'Ssl' })
    : sys(['/usr/bin/containerd'], 'containerd', { stat: 'Ssl' });
  addSocket(node, { proto: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 35000 + node.index * 7, state: 'LISTEN', pid: containerd.pid });
  const kubelet = sys([
    '/usr/bin/kubelet', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf',
    '--config=/var/lib/kubelet/config.yaml',
    ...(r.minor < 24 ? ['--network-plugin=cni', `--pod-infra-container-image=${r.pauseImage}`] : ['--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock', `--pod-infra-container-image=${r.pauseImage}`]),
  ], 'kubelet', { stat: 'Ssl', cpuMs: 600000 });
  addSocket(node, { proto: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 10248, state: 'LISTEN', pid: kubelet.pid });
  addSocket(node, { proto: 'tcp', family: 6, localAddress: '*', localPort: 10250, state: 'LISTEN', pid: kubelet.pid });
  node.nextPid = 1200 + node.index * 57;
}

export function baseFiles(node: NodeState, now: number): void {
  const dir = (path: string, owner = 'root'): void => { node.files[path] = { kind: 'dir', data: '', mtime: now, mode: 0o755, owner }; };
  const file = (path: string, data: string, owner = 'root'): void => { node.files[path] = { kind: 'file', data, mtime: now, mode: 0o644, owner }; };
  for (const d of ['/', '/root', '/home', '/tmp', '/etc', '/var', '/var/lib', '/var/log', '/etc/kubernetes', '/etc/kubernetes/manifests', '/usr', '/usr/bin', '/usr/local', '/usr/local/bin', '/opt', '/proc', '/dev']) dir(d);
  node.files['/root']!.mode = 0o700;
  node.files['/tmp']!.mode = 0o1777;
  dir('/home/lab', 'lab');
  file('/etc/hostname', `${node.name}\n`);
  file('/etc/hosts', `127.0.0.1 localhost\n${node.ip} ${node.name}\n`);
  file('/etc/resolv.conf', 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n');
  file('/etc/os-release', 'NAME="Ubuntu"\nID=ubuntu\n');
  file('/root/.bashrc', '# ~/.bashrc\n');
  file('/home/lab/.bashrc', '# ~/.bashrc\n', 'lab');
}
