// The step panel's pure parts: instructions as blocks (code fences bound to a
// terminal). The lessons themselves run on the host (see lessons-ui.test.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMarkdown } from '../../../renderer/src/labs/markdown.js';

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
