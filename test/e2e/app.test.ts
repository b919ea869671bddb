// The app driven like a person, in web mode, against the real sim lab.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, terminalText, type E2E } from './harness.js';

let e: E2E;
let nodes: string[] = [];

beforeAll(async () => {
  e = await startE2E();
  nodes = (await e.app.lab.snapshot()).nodes.map((n) => n.name);
}, 120_000);
afterAll(async () => { await e?.close(); });

const svcRule = (svc: string): string => `[data-chain="KUBE-SERVICES"] .rule:has-text("${svc}")`;

async function createService(name: string, opts: { nodePort?: string; port?: string } = {}): Promise<void> {
  const p = e.page;
  await p.click('[data-action=new-service]');
  await p.fill('[data-field="metadata.name"]', name);
  await p.fill('[data-field="spec.ports[0].port"]', opts.port ?? '8080');
  await p.fill('[data-field="spec.ports[0].targetPort"]', '80');
  await p.fill('[data-field="spec.ports[0].nodePort"]', opts.nodePort ?? '');
  await p.fill('[data-field="spec.selector"]', 'app=nginx');
  await p.click('[data-action=apply-service]');
}

async function showChains(node: string): Promise<void> {
  await e.page.click('[data-pane=chains]');
  await e.page.click(`.nodetab[data-node="${node}"]`);
  await e.page.click('.tabletab[data-table="nat"]');
}

describe('Chainlab in web mode', () => {
  it('opens on a running default lab: two nodes, nginx and its NodePort Service', async () => {
    const p = e.page;
    expect(nodes).toHaveLength(2);
    await p.locator('[data-service="default/nginx"]').waitFor();
    for (const n of nodes) await p.locator(`.node[data-node="${n}"]`).waitFor();
    await expect(p.locator('[data-service="default/nginx"]').innerText()).resolves.toMatch(/NodePort/);
    await expect(p.locator('.pods li:has-text("nginx-")').count()).resolves.toBeGreaterThan(0);
    await p.click('[data-pane=chains]');
    await p.locator(svcRule('default/nginx')).first().waitFor();
    await e.shot('01-cluster-and-chains');
  });

  it('creates a NodePort Service in the form; its chains appear on both nodes, highlighted as added', async () => {
    await createService('web');
    for (const n of nodes) {
      await showChains(n);
      const rule = e.page.locator(`${svcRule('default/web')}`).first();
      await rule.waitFor({ timeout: 15_000 });
      await expect(rule.getAttribute('class')).resolves.toContain('added');
      await expect(e.page.locator('[data-chain="KUBE-NODEPORTS"] .rule:has-text("default/web")').count()).resolves.toBeGreaterThan(0);
    }
    await e.shot('02-chains-diff');
    await e.page.click('[data-pane=services]');
    await e.shot('03-services-form');
  });

  it('runs iptables -t nat -L KUBE-NODEPORTS -n in a node terminal and shows the output', async () => {
    const p = e.page;
    const node = nodes[0] ?? '';
    await p.click(`[data-terminal-tab="${node}"]`);
    const term = p.locator(`[data-terminal="${node}"] .xterm-helper-textarea`);
    await term.focus();
    await p.keyboard.type('iptables -t nat -L KUBE-NODEPORTS -n\n', { delay: 5 });
    await expect.poll(() => terminalText(p, node), { timeout: 15_000 }).toMatch(/Chain KUBE-NODEPORTS \(1 references\)/);
    const text = await terminalText(p, node);
    expect(text).toMatch(/target\s+prot\s+opt\s+source\s+destination/);
    // iptables 1.8.9+ prints the protocol number with -n; xterm wraps long rows, so join them.
    expect(text.replace(/\n/g, '')).toMatch(/KUBE-EXT-\S+\s+(tcp|6)\s+--\s+0\.0\.0\.0\/0\s+0\.0\.0\.0\/0\s+\/\* default\/web(:\S*)? \*\/ tcp dpt:\d{5}/);
    await e.shot('04-terminal');
  });

  it('kills kube-proxy on a node; a new Service then gets no rules there, but does on the other', async () => {
    const p = e.page;
    const [alive, dead] = [nodes[0] ?? '', nodes[1] ?? ''];
    await p.click(`.node[data-node="${dead}"] [data-action=kill-kube-proxy]`);
    await expect.poll(() => p.locator(`.node[data-node="${dead}"] [data-testid=kube-proxy-state]`).innerText(), { timeout: 10_000 }).toMatch(/killed|restarting/);
    await e.shot('05-kube-proxy-killed');
    await createService('late', { port: '9090' });
    await showChains(alive);
    await e.page.locator(svcRule('default/late')).first().waitFor({ timeout: 15_000 });
    await showChains(dead);
    await e.page.click('button:has-text("Refresh")');
    await e.page.waitForTimeout(1500);
    await expect(e.page.locator(svcRule('default/late')).count()).resolves.toBe(0);
    await expect(e.page.locator(svcRule('default/web')).count()).resolves.toBeGreaterThan(0);
    await e.shot('05b-no-rules-on-killed-node');
    // Restart brings kube-proxy back, and its first sync writes the missing Service.
    await p.click(`.node[data-node="${dead}"] [data-action=restart-kube-proxy]`);
    await expect.poll(() => p.locator(`.node[data-node="${dead}"] [data-testid=kube-proxy-state]`).innerText(), { timeout: 15_000 }).toMatch(/running/);
    await expect.poll(async () => { await e.page.click('button:has-text("Refresh")'); return e.page.locator(svcRule('default/late')).count(); }, { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it('steps a packet from outside to the NodePort until it reaches a pod, forward and back', async () => {
    const p = e.page;
    await p.click('[data-pane=packet]');
    const pane = p.locator('[data-testid=packet-pane]');
    await pane.locator('label:has-text("Outside")').click();
    await pane.locator('label:has-text("NodePort")').click();
    await p.selectOption('select[aria-label="NodePort"]', { label: (await p.locator('select[aria-label="NodePort"] option:has-text("default/nginx")').first().innerText()).trim() });
    // Enter the node that does not run the nginx pod, so the path crosses both nodes.
    const snap = await e.app.lab.snapshot();
    const podNode = snap.pods.find((x) => x.name.startsWith('nginx-'))?.node;
    const entry = nodes.find((n) => n !== podNode) ?? '';
    await p.selectOption('select[aria-label="Node"]', entry);
    await p.click('[data-action=trace]');
    await p.locator('[data-testid=step-position]').waitFor();
    await expect(p.locator('[data-testid=step-position]').innerText()).resolves.toMatch(/^Step 1 of \d+$/);
    await p.click('[data-action=step-forward]');
    await expect(p.locator('[data-testid=step-position]').innerText()).resolves.toMatch(/^Step 2 of/);
    await p.click('[data-action=step-back]');
    await expect(p.locator('[data-testid=step-position]').innerText()).resolves.toMatch(/^Step 1 of/);
    await p.click('button[aria-label="Last step"]');
    // The nginx pod runs on the other node: the packet is DNATed and forwarded there; follow it.
    await expect(p.locator('[data-testid=outcome]').innerText()).resolves.toMatch(/ACCEPT: forwarded via eth0 to 10\.244\.\d+\.\d+/);
    await e.shot('06-packet-path-forwarded');
    await p.click('[data-action=follow]');
    await expect.poll(() => p.locator('[data-testid=step-position]').innerText()).toMatch(/^Step 1 of/);
    await p.click('button[aria-label="Last step"]');
    await expect(p.locator('[data-testid=outcome]').innerText()).resolves.toMatch(/ACCEPT: delivered to pod default\/nginx-/);
    await expect(p.locator('[data-testid=packet-dst]').innerText()).resolves.toMatch(/^10\.244\.\d+\.\d+:80$/);
    await expect(p.locator('[data-testid=outcome]').innerText()).resolves.toMatch(/100%/);
    await e.shot('07-packet-path-delivered');
    const download = p.waitForEvent('download');
    await p.click('[data-action=export-svg]');
    const svgFile = await download;
    expect(svgFile.suggestedFilename()).toBe('chainlab-packet-path.svg');
    const svg = readFileSync(await svgFile.path(), 'utf8');
    const size = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
    expect(size, svg.slice(0, 200)).not.toBeNull();
    expect(svg).toMatch(/Packet path on k8s\d[\s\S]*delivered to pod default\/nginx-/);
    // The PNG: twice the SVG's size (sharp on a projector), and a drawing, not an empty canvas.
    const pngDownload = p.waitForEvent('download');
    await p.click('[data-action=export-png]');
    const pngFile = await pngDownload;
    expect(pngFile.suggestedFilename()).toBe('chainlab-packet-path.png');
    const png = readFileSync(await pngFile.path());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Math.round(2 * Number(size![1])), Math.round(2 * Number(size![2]))]);
    const colours = await p.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length && seen.size < 50; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    }, png.toString('base64'));
    expect(colours).toBeGreaterThan(3);
  });

  it("shows the API server's message on the nodePort field for a wrong nodePort", async () => {
    const p = e.page;
    await createService('bad', { nodePort: '40000' });
    const err = p.locator('[data-error-for="spec.ports[0].nodePort"]');
    await err.waitFor({ timeout: 10_000 });
    await expect(err.innerText()).resolves.toMatch(/Invalid value: 40000: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
    await expect(p.locator('[data-field="spec.ports[0].nodePort"]').getAttribute('aria-invalid')).resolves.toBe('true');
    await e.shot('08-services-error');
  });

  it('reads well in the light theme and at presentation zoom', async () => {
    const p = e.page;
    await p.click('[data-pane=chains]');
    await p.click('button[aria-label="Toggle theme"]');
    await p.click('button[aria-label="Zoom in"]');
    await p.click('button[aria-label="Zoom in"]');
    await expect(p.locator('html').getAttribute('data-theme')).resolves.toBe('light');
    await e.shot('09-light-zoom');
    expect(e.errors).toEqual([]);
  });
});
