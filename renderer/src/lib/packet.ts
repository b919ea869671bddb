// The packet as it is at one step of a trace: the engine reports each rewrite as
// an action (`DNAT to 10.244.1.5:80`, `MASQUERADE`, `MARK 0x4000`); applying the
// matched ones in order shows the reader what the kernel did to the header.
import type { Packet, TraceStep } from '../../../core/engine/packet/types.js';

export interface PacketState {
  src: string;
  sport?: number;
  dst: string;
  dport?: number;
  mark?: string;
  masquerade: boolean;
  changed: Array<'src' | 'dst' | 'mark'>;
}

function hostPort(s: string): { host: string; port?: number } {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(s);
  if (v6 !== null) return { host: v6[1] ?? s, port: Number(v6[2]) };
  const m = /^([^:]+):(\d+)$/.exec(s);
  if (m !== null) return { host: m[1] ?? s, port: Number(m[2]) };
  return { host: s };
}

export function packetAt(p: Packet, steps: TraceStep[], upto: number): PacketState {
  const st: PacketState = { src: p.src, dst: p.dst, masquerade: false, changed: [], ...(p.sport !== undefined ? { sport: p.sport } : {}), ...(p.dport !== undefined ? { dport: p.dport } : {}) };
  for (let i = 0; i <= upto && i < steps.length; i++) {
    const s = steps[i];
    if (s === undefined || !s.matched || s.action === undefined) continue;
    const a = s.action;
    const dnat = /DNAT to (\S+)/.exec(a);
    const snat = /SNAT to (\S+)/.exec(a);
    const mark = /MARK (?:set |or |xset )?(0x[0-9a-f]+)/i.exec(a);
    if (dnat !== null) {
      const hp = hostPort(dnat[1] ?? '');
      st.dst = hp.host;
      if (hp.port !== undefined) st.dport = hp.port;
      if (i === upto) st.changed.push('dst');
    } else if (snat !== null) {
      st.src = hostPort(snat[1] ?? '').host;
      if (i === upto) st.changed.push('src');
    } else if (/MASQUERADE/.test(a)) {
      st.masquerade = true;
      if (i === upto) st.changed.push('src');
    }
    if (mark !== null) {
      st.mark = mark[1];
      if (i === upto) st.changed.push('mark');
    }
  }
  return st;
}

export function fmtProbability(p: number): string {
  if (p === 1) return '100%';
  if (p === 0) return '0%';
  const pct = p * 100;
  return `${pct.toFixed(pct < 1 ? 3 : 2).replace(/\.?0+$/, '')}%`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The path (matched rules only) as a standalone SVG, for a slide or a report. */
export function pathSvg(title: string, p: Packet, steps: TraceStep[], outcome: string, dark: boolean): string {
  const matched = steps.filter((s) => s.matched);
  const W = 980;
  const rowH = 46;
  const top = 92;
  const H = top + matched.length * rowH + 70;
  const bg = dark ? '#16181d' : '#ffffff';
  const fg = dark ? '#dfe3ea' : '#1d2330';
  const muted = dark ? '#7a8392' : '#737c8c';
  const accent = dark ? '#5b9dff' : '#2463d6';
  const box = dark ? '#1d2027' : '#f2f4f8';
  const lines: string[] = [];
  lines.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  lines.push(`<rect width="100%" height="100%" fill="${bg}"/>`);
  lines.push(`<text x="24" y="36" font-size="20" font-weight="bold" fill="${fg}">${esc(title)}</text>`);
  lines.push(`<text x="24" y="64" font-size="14" fill="${muted}" font-family="DejaVu Sans Mono, monospace">${esc(`${p.proto} ${p.src}${p.sport !== undefined ? `:${p.sport}` : ''} → ${p.dst}${p.dport !== undefined ? `:${p.dport}` : ''} (enters from ${p.ingress})`)}</text>`);
  matched.forEach((s, i) => {
    const y = top + i * rowH;
    lines.push(`<rect x="24" y="${y}" width="${W - 48}" height="${rowH - 10}" rx="6" fill="${box}"/>`);
    lines.push(`<circle cx="44" cy="${y + 18}" r="9" fill="${accent}"/><text x="44" y="${y + 22}" font-size="11" fill="#fff" text-anchor="middle">${i + 1}</text>`);
    lines.push(`<text x="64" y="${y + 16}" font-size="12" fill="${muted}">${esc(`${s.hook} · ${s.table} · ${s.chain}${s.ruleNumber > 0 ? ` #${s.ruleNumber}` : ' policy'}`)}</text>`);
    const rule = s.rule.length > 110 ? `${s.rule.slice(0, 107)}…` : s.rule;
    lines.push(`<text x="64" y="${y + 31}" font-size="12" fill="${fg}" font-family="DejaVu Sans Mono, monospace">${esc(rule)}</text>`);
    if (s.action !== undefined) lines.push(`<text x="${W - 36}" y="${y + 16}" font-size="12" fill="${accent}" text-anchor="end" font-weight="bold">${esc(s.action)}</text>`);
  });
  lines.push(`<text x="24" y="${H - 30}" font-size="16" font-weight="bold" fill="${fg}">${esc(outcome)}</text>`);
  lines.push('</svg>');
  return lines.join('\n');
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

export async function svgToPng(svg: string): Promise<Blob> {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    await new Promise<void>((resolve, reject) => { img.onload = () => resolve(); img.onerror = () => reject(new Error('the SVG could not be drawn')); img.src = url; });
    const canvas = document.createElement('canvas');
    canvas.width = img.width * 2;
    canvas.height = img.height * 2;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2D canvas');
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b !== null ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
