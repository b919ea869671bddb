// What iptables knows about the match modules and targets a Kubernetes node
// uses: how many arguments each option takes. Unknown modules and options are
// still accepted (their arguments are the words up to the next option), so a
// dump with an exotic extension round-trips verbatim.

/** Option name → number of argument words. */
export type OptionArity = Readonly<Record<string, number>>;

export const MATCH_OPTIONS: Readonly<Record<string, OptionArity>> = {
  tcp: { 'sport': 1, 'source-port': 1, 'dport': 1, 'destination-port': 1, 'tcp-flags': 2, 'syn': 0, 'tcp-option': 1 },
  udp: { 'sport': 1, 'source-port': 1, 'dport': 1, 'destination-port': 1 },
  sctp: { 'sport': 1, 'source-port': 1, 'dport': 1, 'destination-port': 1, 'chunk-types': 2 },
  icmp: { 'icmp-type': 1 },
  icmp6: { 'icmpv6-type': 1 },
  comment: { comment: 1 },
  conntrack: {
    ctstate: 1, ctproto: 1, ctorigsrc: 1, ctorigdst: 1, ctreplsrc: 1, ctrepldst: 1, ctorigsrcport: 1,
    ctorigdstport: 1, ctreplsrcport: 1, ctrepldstport: 1, ctstatus: 1, ctexpire: 1, ctdir: 1,
  },
  state: { state: 1 },
  mark: { mark: 1 },
  connmark: { mark: 1 },
  addrtype: { 'src-type': 1, 'dst-type': 1, 'limit-iface-in': 0, 'limit-iface-out': 0 },
  statistic: { mode: 1, probability: 1, every: 1, packet: 1 },
  multiport: { ports: 1, sports: 1, dports: 1, 'source-ports': 1, 'destination-ports': 1 },
  recent: {
    name: 1, set: 0, rcheck: 0, update: 0, remove: 0, seconds: 1, reap: 0, hitcount: 1, rttl: 0,
    rsource: 0, rdest: 0, mask: 1,
  },
  set: { 'match-set': 2, 'return-nomatch': 0, 'update-counters': 0, 'update-subcounters': 0 },
  limit: { limit: 1, 'limit-burst': 1 },
  iprange: { 'src-range': 1, 'dst-range': 1 },
  mac: { 'mac-source': 1 },
  pkttype: { 'pkt-type': 1 },
  physdev: { 'physdev-in': 1, 'physdev-out': 1, 'physdev-is-in': 0, 'physdev-is-out': 0, 'physdev-is-bridged': 0 },
  owner: { 'uid-owner': 1, 'gid-owner': 1, 'socket-exists': 0, 'suppl-groups': 0 },
  length: { length: 1 },
  ttl: { 'ttl-eq': 1, 'ttl-gt': 1, 'ttl-lt': 1 },
  socket: { transparent: 0, nowildcard: 0, restore_skmark: 0 },
  nfacct: { 'nfacct-name': 1 },
  devgroup: { 'src-group': 1, 'dst-group': 1 },
  rpfilter: { loose: 0, 'validmark': 0, 'accept-local': 0, invert: 0 },
  hashlimit: {
    'hashlimit-upto': 1, 'hashlimit-above': 1, 'hashlimit-burst': 1, 'hashlimit-mode': 1, 'hashlimit-name': 1,
    'hashlimit-htable-size': 1, 'hashlimit-htable-max': 1, 'hashlimit-htable-expire': 1, 'hashlimit-htable-gcinterval': 1,
    'hashlimit-srcmask': 1, 'hashlimit-dstmask': 1,
  },
  connlimit: { 'connlimit-upto': 1, 'connlimit-above': 1, 'connlimit-mask': 1, 'connlimit-saddr': 0, 'connlimit-daddr': 0 },
};

export const TARGET_OPTIONS: Readonly<Record<string, OptionArity>> = {
  ACCEPT: {},
  DROP: {},
  RETURN: {},
  QUEUE: {},
  DNAT: { 'to-destination': 1, random: 0, persistent: 0 },
  SNAT: { 'to-source': 1, random: 0, 'random-fully': 0, persistent: 0 },
  MASQUERADE: { 'to-ports': 1, random: 0, 'random-fully': 0 },
  REDIRECT: { 'to-ports': 1, random: 0 },
  MARK: { 'set-xmark': 1, 'set-mark': 1, 'or-mark': 1, 'and-mark': 1, 'xor-mark': 1 },
  CONNMARK: { 'set-xmark': 1, 'set-mark': 1, 'save-mark': 0, 'restore-mark': 0, 'nfmask': 1, 'ctmask': 1, mask: 1, 'or-mark': 1, 'and-mark': 1, 'xor-mark': 1 },
  REJECT: { 'reject-with': 1 },
  LOG: { 'log-level': 1, 'log-prefix': 1, 'log-tcp-sequence': 0, 'log-tcp-options': 0, 'log-ip-options': 0, 'log-uid': 0, 'log-macdecode': 0 },
  NFLOG: { 'nflog-group': 1, 'nflog-prefix': 1, 'nflog-range': 1, 'nflog-size': 1, 'nflog-threshold': 1 },
  CHECKSUM: { 'checksum-fill': 0 },
  NOTRACK: {},
  CT: { notrack: 0, helper: 1, ctevents: 1, expevents: 1, zone: 1, 'zone-orig': 1, 'zone-reply': 1, timeout: 1 },
  TPROXY: { 'on-port': 1, 'on-ip': 1, 'tproxy-mark': 1 },
  TCPMSS: { 'set-mss': 1, 'clamp-mss-to-pmtu': 0 },
  TRACE: {},
  CLASSIFY: { 'set-class': 1 },
  NETMAP: { to: 1 },
  TEE: { gateway: 1, oif: 1 },
  SET: { 'add-set': 2, 'del-set': 2, 'map-set': 2, timeout: 1, exist: 0 },
  DSCP: { 'set-dscp': 1, 'set-dscp-class': 1 },
  TOS: { 'set-tos': 1, 'and-tos': 1, 'or-tos': 1, 'xor-tos': 1 },
  TTL: { 'ttl-set': 1, 'ttl-dec': 1, 'ttl-inc': 1 },
  NFQUEUE: { 'queue-num': 1, 'queue-balance': 1, 'queue-bypass': 0, 'fail-open': 0, 'queue-cpu-fanout': 0 },
};

/** Targets the kernel knows (every other `-j NAME` must be a chain of the table). */
export function isKnownTarget(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TARGET_OPTIONS, name);
}

export function isKnownMatch(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MATCH_OPTIONS, name);
}

/** The spec tables as maps (parse asks for every option of every rule). */
const toMaps = (t: Readonly<Record<string, OptionArity>>): Map<string, Map<string, number>> =>
  new Map(Object.keys(t).map((k) => [k, new Map(Object.entries(t[k]!))]));
const MATCH_MAPS = toMaps(MATCH_OPTIONS);
const TARGET_MAPS = toMaps(TARGET_OPTIONS);

/** Arity of a known option, or undefined (then: the words up to the next option). */
export function optionArity(kind: 'match' | 'target', module: string, option: string): number | undefined {
  return (kind === 'match' ? MATCH_MAPS : TARGET_MAPS).get(module)?.get(option);
}
