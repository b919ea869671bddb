import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { columnT } from '../../../core/engine/text/column.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/iptables/column-t/${name}`, import.meta.url), 'utf8');

describe('columnT (util-linux column -t)', () => {
  it('prints what util-linux 2.38 column -t printed for iptables listings and edge cases', () => {
    // expected.txt was produced once by `column -t < input.txt` on Debian 12.
    expect(columnT(fixture('input.txt'))).toBe(fixture('expected.txt'));
  });

  it("splits a comment into one column per word, as seed 000's listing shows", () => {
    const listing = [
      'Chain PREROUTING (policy ACCEPT)',
      'target     prot opt source               destination',
      'KUBE-SERVICES  all  --  anywhere             anywhere             /* kubernetes service portals */',
      'DOCKER     all  --  anywhere             anywhere             ADDRTYPE match dst-type LOCAL',
      '',
    ].join('\n');
    // Seed 000 shows these rows with their trailing blanks trimmed; util-linux pads every row to every column.
    expect(columnT(listing).split('\n').map((l) => l.trimEnd())).toEqual([
      'Chain          PREROUTING  (policy  ACCEPT)',
      'target         prot        opt      source    destination',
      'KUBE-SERVICES  all         --       anywhere  anywhere     /*        kubernetes  service   portals  */',
      'DOCKER         all         --       anywhere  anywhere     ADDRTYPE  match       dst-type  LOCAL',
      '',
    ]);
    expect(columnT(listing).split('\n')[0]).toBe(`Chain          PREROUTING  (policy  ACCEPT)${' '.repeat(57)}`);
  });

  it('drops blank lines and pads missing cells except in the last column', () => {
    expect(columnT('a b\n\n  \nccc d e\n')).toBe('a    b  \nccc  d  e\n');
    expect(columnT('')).toBe('');
  });
});
