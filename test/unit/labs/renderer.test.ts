// The step panel's pure parts: instructions as blocks (code fences bound to a
// terminal), the bundled labs loaded like `chainlab lab validate` loads them.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMarkdown } from '../../../renderer/src/labs/markdown.js';
import { groupLabFiles, loadBundledLabs } from '../../../renderer/src/labs/bundle.js';
import { fraction } from '../../../renderer/src/labs/progress.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('step markdown', () => {
  it('binds a code fence to its terminal, keeps inline code, lists and headings', () => {
    const blocks = parseMarkdown('# Kill\n\nOn **k8s2**, run `ps`:\n\n```sh k8s2\nps -aef | grep kube-proxy\nkill -9 <PID>\n```\n\n- one\n- two `x`\n\n```sh\nsudo iptables-save\n```\n');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, inlines: [{ kind: 'text', text: 'Kill' }] },
      { kind: 'paragraph', inlines: [{ kind: 'text', text: 'On ' }, { kind: 'strong', text: 'k8s2' }, { kind: 'text', text: ', run ' }, { kind: 'code', text: 'ps' }, { kind: 'text', text: ':' }] },
      { kind: 'code', terminal: 'k8s2', lines: ['ps -aef | grep kube-proxy', 'kill -9 <PID>'] },
      { kind: 'list', items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two ' }, { kind: 'code', text: 'x' }]] },
      { kind: 'code', terminal: null, lines: ['sudo iptables-save'] },
    ]);
  });

  it('every shipped step file binds its commands to a terminal of its lab', () => {
    for (const id of readdirSync(path.join(root, 'labs')).filter((d) => statSync(path.join(root, 'labs', d)).isDirectory())) {
      const stepsDir = path.join(root, 'labs', id, 'steps');
      for (const f of readdirSync(stepsDir)) {
        for (const b of parseMarkdown(readFileSync(path.join(stepsDir, f), 'utf8'))) {
          if (b.kind === 'code' && b.terminal !== null) expect(`${id}/${f}: ${b.terminal}`).toMatch(/: (console|k8s[1-3])$/);
        }
      }
    }
  });
});

describe('bundled labs', () => {
  it('groups Vite glob paths by lab and loads them with the same validation', async () => {
    const all: Record<string, string> = {};
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = path.join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ya?ml|md|rules)$/.test(e)) all[`../../../${path.relative(root, p)}`] = readFileSync(p, 'utf8');
      }
    };
    walk(path.join(root, 'labs'));
    expect(groupLabFiles(all).get('kill-kube-proxy')?.has('steps/02-kill.md')).toBe(true);
    const { labs, problems } = await loadBundledLabs(all);
    expect(problems).toEqual([]);
    expect(labs.map((l) => l.id)).toContain('your-own-node');
    expect(labs.length).toBeGreaterThanOrEqual(7);
  });

  it('progress fraction for the card bar', () => {
    expect(fraction(undefined, 5)).toBe(0);
    expect(fraction({ lab: 'x', current: 2, steps: {} }, 4)).toBe(0.5);
    expect(fraction({ lab: 'x', current: 4, steps: {} }, 4)).toBe(1);
  });
});
