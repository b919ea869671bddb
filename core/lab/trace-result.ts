// What a Lab's `trace` returns: the engine's trace without its packet-level
// detail (conntrack view, notes), the shape the contract and the UI carry.
import type { PacketTrace } from '../engine/packet/types.js';
import type { TraceResult } from './backend.js';

export function traceResultOf(t: PacketTrace): TraceResult {
  return { hooks: t.hooks, steps: t.steps, verdict: t.verdict, dnatTo: t.dnatTo, masquerade: t.masquerade, snatTo: t.snatTo, mark: t.mark, delivery: t.delivery, outcomes: t.outcomes };
}
