// An interactive app runs the sim lab in real time: the cluster's clock (kube-
// proxy syncs, kubelet restarts, pod start-up) advances as the wall clock does.
// Ticks never overlap, so a slow sync delays time instead of piling up.

export interface Clocked { advance(ms: number): Promise<void> }

export function startLabClock(lab: Clocked, tickMs = 500, onError: (err: unknown) => void = () => undefined): () => void {
  let stopped = false;
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const now = Date.now();
    const ms = Math.min(now - last, 10_000);
    last = now;
    try { if (ms > 0) await lab.advance(ms); } catch (err) { onError(err); }
    if (!stopped) timer = setTimeout(() => void tick(), tickMs);
  };
  timer = setTimeout(() => void tick(), tickMs);
  return () => { stopped = true; if (timer !== null) clearTimeout(timer); };
}
