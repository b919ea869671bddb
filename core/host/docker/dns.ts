// A CoreDNS stand-in for the docker backend: pods whose image is coredns run
// a tiny UDP responder (Python, in the pod's namespace) that answers A queries
// for `<svc>.<ns>.svc.cluster.local` with the Service's ClusterIP, from a list
// the host writes into the node (DNS_FILE) on every sync that changes it.
// Not supported: AAAA/SRV/PTR records, search-path expansion (clients must ask
// for the full name), pod records, headless Services (they get NXDOMAIN), TCP.

export const DNS_FILE = '/etc/chainlab/dns.json';

interface ServiceLike {
  metadata: { name: string; namespace?: string | null };
  spec?: unknown;
}

/** `{ "<svc>.<ns>.svc.cluster.local": "<ClusterIP>" }` for every Service with a ClusterIP. */
export function dnsRecords(services: readonly ServiceLike[], domain = 'cluster.local'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of services) {
    const ip = (s.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (!ip || ip === 'None') continue;
    out[`${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.${domain}`] = ip;
  }
  return out;
}

/** Shell that writes the records into the node atomically. */
export function writeDnsScript(records: Record<string, string>): string {
  const b64 = Buffer.from(JSON.stringify(records)).toString('base64');
  return `mkdir -p /etc/chainlab && echo '${b64}' | base64 -d > ${DNS_FILE}.tmp && mv ${DNS_FILE}.tmp ${DNS_FILE}`;
}

// The responder: one query per datagram; A for a known name, NXDOMAIN for an
// unknown name under the cluster domain, REFUSED for anything else (no upstream).
const RESPONDER = `import socket, json, os, struct
F = "${DNS_FILE}"
rec, seen = {}, None
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 53))
while True:
    q, peer = s.recvfrom(512)
    try:
        m = os.stat(F).st_mtime
        if m != seen:
            rec, seen = json.load(open(F)), m
    except OSError:
        pass
    if len(q) < 12:
        continue
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace")); i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    question = q[12:i + 5]
    name = ".".join(labels).lower().rstrip(".")
    flags, an, ans = 0x8580, 0, b""
    if name in rec and qtype == 1:
        an, ans = 1, b"\\xc0\\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + socket.inet_aton(rec[name])
    elif name.endswith("cluster.local") and name not in rec:
        flags |= 3
    elif name not in rec:
        flags = 0x8185
    s.sendto(q[:2] + struct.pack(">HHHHH", flags, 1, an, 0, 0) + question + ans, peer)
`;

/** The command that starts the responder inside the pod namespace `ns`. */
export function dnsResponderCommand(ns: string): string {
  return `(ip netns exec ${ns} setsid python3 -c '${RESPONDER.replace(/'/g, "'\\''")}' >/var/log/chainlab-dns-${ns}.log 2>&1 &)`;
}

/** Whether a pod's image is CoreDNS (any registry, any tag). */
export function isCoreDnsImage(image: string): boolean {
  return image.split('/').pop()!.split(/[:@]/)[0] === 'coredns';
}
