// klog's line format, as kube-proxy writes to its container log:
// `I0330 09:28:56.497083       1 node.go:172] message`.

export function klogLine(level: 'I' | 'W' | 'E', ms: number, source: string, message: string): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const micros = String(d.getUTCMilliseconds() * 1000 + (Math.floor(ms * 1000) % 1000)).padStart(6, '0');
  return `${level}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${micros} ${'1'.padStart(7)} ${source}] ${message}\n`;
}
