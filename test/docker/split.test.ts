// The pure part of a node-shell line's exec: its output cut from the read-back after it.
import { describe, expect, it } from 'vitest';
import { lineWithReadBack, SAVE_MARKER, splitLineOutput } from '../../core/host/docker/sync-script.js';

describe('a node-shell line with its read-back', () => {
  it('keeps a line\'s own output and exit code apart from the read-back after it', () => {
    expect(lineWithReadBack('exit 3').slice(-1)).toEqual(['exit 3']);
    const r = splitLineOutput({ stdout: `hi\n${SAVE_MARKER}\n*filter\nCOMMIT\n`, output: `hi\nwarn\n${SAVE_MARKER}\n*filter\nCOMMIT\n` });
    expect(r).toEqual({ stdout: 'hi\n', output: 'hi\nwarn\n', save: '*filter\nCOMMIT\n' });
    expect(splitLineOutput({ stdout: 'x', output: 'x' }).save).toBeUndefined();
  });
});
