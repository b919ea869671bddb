import { dnsResponderCommand, isCoreDnsImage } from './dns.js';
import { BASE_RULES } from './lifecycle.js';
import { KUBE_DNS_IP } from '../../lab/cluster/bootstrap.js';

// Shell scripts that build a mini-node's pod network as a simple bridge CNI
// would: a `cni0` bridge holding the pod range's gateway, one network namespace
// per pod joined by a veth, routes to the other nodes' pod ranges over the lab
// network, and a real server in each pod.

/** Short stable hex id of a pod key (veth names are limited to 15 characters). */
export function shortId(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The bridge with the pod gateway, and a route to each other node's pod range. */
export function nodeRoutesScript(gatewayCidr: string, peers: { ip: string; podCIDR: string }[]): string {
  return [
    'set -e',
    'ip link add cni0 type bridge 2>/dev/null || true',
    `ip addr replace ${gatewayCidr} dev cni0`,
    'ip link set cni0 up',
    ...peers.map((p) => `ip route replace ${p.podCIDR} via ${p.ip}`),
    // kubelet's canary chains (it watches them to notice a flushed table), as on every kubeadm node.
    ...['mangle', 'filter', 'nat'].map((t) => `iptables -t ${t} -N KUBE-KUBELET-CANARY 2>/dev/null || true`),
    // The node's rules before kube-proxy's first sync: what a docker lab's reset goes back to.
    `[ -f ${BASE_RULES} ] || iptables-save > ${BASE_RULES}`,
  ].join('\n');
}

function nginxConf(id: string, port: number): string {
  return `worker_processes 1; pid /run/nginx-${id}.pid; error_log /var/log/nginx/${id}.log; events {} http { include /etc/nginx/mime.types; access_log off; server { listen ${port}; root /var/www/html; index index.html index.nginx-debian.html; } }`;
}

/** A tiny HTTP responder that names the pod (for images with no real server here). */
function echoServer(podKey: string, port: number): string {
  const py = `import http.server as h
class H(h.BaseHTTPRequestHandler):
    def do_GET(s):
        b=b"${podKey}\\n"; s.send_response(200); s.send_header("Content-Type","text/plain"); s.send_header("Content-Length",str(len(b))); s.end_headers(); s.wfile.write(b)
    do_HEAD=do_GET
    def log_message(s,*a): pass
h.ThreadingHTTPServer(("",${port}),H).serve_forever()`;
  return `python3 -c '${py.replace(/'/g, "'\\''")}'`;
}

/** A pod's /etc/resolv.conf under dnsPolicy ClusterFirst, as kubelet writes it. */
export function podResolvConf(namespace: string): string[] {
  return [`search ${namespace}.svc.cluster.local svc.cluster.local cluster.local`, `nameserver ${KUBE_DNS_IP}`, 'options ndots:5'];
}

/** Creates a pod's namespace, its veth on cni0, its address and route, and starts its server. */
export function podNetworkScript(podKey: string, podIP: string, podCIDR: string, image: string, ports: number[]): { ns: string; script: string } {
  const id = shortId(podKey);
  const ns = `pod-${id}`;
  const prefix = podCIDR.split('/')[1] ?? '24';
  const gw = podCIDR.replace(/\.0\/\d+$/, '.1');
  const servePorts = ports.length > 0 ? ports : [80];
  const name = image.split('/').pop()!.split(':')[0]!.split('@')[0]!;
  const servers = isCoreDnsImage(image)
    ? [dnsResponderCommand(ns), ...[...new Set(servePorts)].filter((p) => p !== 53).map((port) => `(ip netns exec ${ns} setsid ${echoServer(podKey, port)} >/dev/null 2>&1 &)`)]
    : servePorts.map((port) =>
    name === 'nginx'
      ? `mkdir -p /etc/chainlab && echo '${nginxConf(`${id}-${port}`, port)}' > /etc/chainlab/nginx-${id}-${port}.conf && ip netns exec ${ns} nginx -c /etc/chainlab/nginx-${id}-${port}.conf`
      : `(ip netns exec ${ns} setsid ${echoServer(podKey, port)} >/dev/null 2>&1 &)`,
  );
  const script = [
    `ip netns add ${ns}`,
    // What kubelet gives a pod with dnsPolicy ClusterFirst: kube-dns and the search path of its namespace
    // (`ip netns exec` binds /etc/netns/<ns>/resolv.conf over /etc/resolv.conf).
    `mkdir -p /etc/netns/${ns}`,
    `printf '%s\\n' ${podResolvConf(podKey.split('/')[0] ?? 'default').map((l) => `'${l}'`).join(' ')} > /etc/netns/${ns}/resolv.conf`,
    `ip link add veth${id} type veth peer name eth0 netns ${ns}`,
    `ip link set veth${id} master cni0 up`,
    // Hairpin, as the CNI bridge plugin sets it for Kubernetes: a pod reaching itself through its Service
    // gets the DNATed packet back out of the port it came in on.
    `ip link set veth${id} type bridge_slave hairpin on`,
    `ip netns exec ${ns} ip addr add ${podIP}/${prefix} dev eth0`,
    `ip netns exec ${ns} ip link set eth0 up`,
    `ip netns exec ${ns} ip link set lo up`,
    `ip netns exec ${ns} ip route add default via ${gw}`,
    ...servers,
  ].join(' && ');
  return { ns, script };
}
