// The pure parts of the docker backend: how one sync exec's output is cut.
import { describe, expect, it } from 'vitest';
import { lineWithReadBack, nodeSyncScript, SAVE_MARKER, splitLineOutput, splitNodeSyncOutput, stateChunks } from '../../core/host/docker/sync-script.js';

describe('one exec per node and sync', () => {
  it('splits the pod/state part, the applied report and the read-back', () => {
    const out = `pods ok\n=== chainlab: applied 7 12.5 ===\n${SAVE_MARKER}\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n`;
    expect(splitNodeSyncOutput(out)).toEqual({ before: 'pods ok\n', applied: '7 12.5', save: '*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n' });
    expect(splitNodeSyncOutput('boom\n')).toEqual({ before: 'boom\n', save: '' });
  });

  it('writes the state only when given a generation, waits only for a live kube-proxy', () => {
    expect(nodeSyncScript({ pods: '', waitForKubeProxy: true })).toBe(`echo '${SAVE_MARKER}'\niptables-save -c`);
    const s = nodeSyncScript({ pods: 'ip netns add pod-1', generation: 4, waitForKubeProxy: false });
    expect(s).toContain('state.json.tmp');
    expect(s).not.toContain('pkill -USR1');
    expect(nodeSyncScript({ pods: '', generation: 4, waitForKubeProxy: true })).toMatch(/pkill -USR1 -x kube-proxy[\s\S]*-ge 4/);
  });

  it('cuts a state into argument-sized base64 pieces that join back', () => {
    const json = JSON.stringify({ x: 'y'.repeat(250_000) });
    const chunks = stateChunks(json);
    expect(chunks.length).toBe(4);
    expect(chunks.every((c) => c.length <= 100_000)).toBe(true);
    expect(Buffer.from(chunks.join(''), 'base64').toString()).toBe(json);
  });

  it('keeps a line\'s own output and exit code apart from the read-back after it', () => {
    expect(lineWithReadBack('exit 3').slice(-1)).toEqual(['exit 3']);
    const r = splitLineOutput({ stdout: `hi\n${SAVE_MARKER}\n*filter\nCOMMIT\n`, output: `hi\nwarn\n${SAVE_MARKER}\n*filter\nCOMMIT\n` });
    expect(r).toEqual({ stdout: 'hi\n', output: 'hi\nwarn\n', save: '*filter\nCOMMIT\n' });
    expect(splitLineOutput({ stdout: 'x', output: 'x' }).save).toBeUndefined();
  });
});
