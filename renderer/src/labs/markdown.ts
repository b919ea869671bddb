// Step instructions: a small Markdown subset as blocks the step panel renders
// without HTML injection. Code fences name their terminal: ```sh k8s2.

export type Inline = { kind: 'text' | 'code' | 'strong' | 'em'; text: string };
export type Block =
  | { kind: 'heading'; level: number; inlines: Inline[] }
  | { kind: 'paragraph'; inlines: Inline[] }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'code'; terminal: string | null; lines: string[] };

export function inlines(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) out.push({ kind: 'text', text: text.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ kind: 'code', text: m[1] });
    else if (m[2] !== undefined) out.push({ kind: 'strong', text: m[2] });
    else out.push({ kind: 'em', text: m[3]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

export function parseMarkdown(md: string): Block[] {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: string[] | null = null;
  const flush = (): void => {
    if (para.length > 0) blocks.push({ kind: 'paragraph', inlines: inlines(para.join(' ')) });
    para = [];
    if (list !== null) blocks.push({ kind: 'list', items: list.map(inlines) });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(`{3,})\s*(\w+)?\s*([\w-]+)?\s*$/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith(fence[1]!); i++) code.push(lines[i]!);
      blocks.push({ kind: 'code', terminal: fence[3] ?? null, lines: code });
      continue;
    }
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) { flush(); blocks.push({ kind: 'heading', level: h[1]!.length, inlines: inlines(h[2]!) }); continue; }
    const li = /^\s*[-*]\s+(.*)$/.exec(line);
    if (li) {
      if (para.length > 0) { const kept: string[] | null = list; list = null; flush(); list = kept; }
      (list ??= []).push(li[1]!);
      continue;
    }
    if (line.trim() === '') { flush(); continue; }
    if (list !== null && /^\s+/.test(line)) { list[list.length - 1] += ` ${line.trim()}`; continue; }
    if (list !== null) flush();
    para.push(line.trim());
  }
  flush();
  return blocks;
}
