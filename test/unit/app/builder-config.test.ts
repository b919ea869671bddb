// The packaging configuration: valid for electron-builder's own schema, with
// the four platforms' installers, the security fuses and icons that exist.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = parse(readFileSync(`${root}build/electron-builder.yml`, 'utf8')) as Record<string, unknown> & {
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  files: string[];
  extraMetadata: { main: string };
  extraResources: { from: string; to: string }[];
};

describe('build/electron-builder.yml', () => {
  it("passes electron-builder's configuration schema", () => {
    const require = createRequire(import.meta.url);
    const scheme = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(scheme);
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('ships next to the app what the packaged main looks up in process.resourcesPath: labs/, the in-node kube-proxy, the node image recipe', () => {
    const shipped = new Map(config.extraResources.map((r) => [r.to, r.from]));
    expect(shipped.get('labs')).toBe('labs');
    expect(shipped.get('dist/agent')).toBe('dist/agent');
    expect(shipped.get('build/node-image')).toBe('build/node-image');
    expect(existsSync(`${root}labs/kill-kube-proxy/lab.yaml`)).toBe(true);
    expect(existsSync(`${root}build/node-image/Dockerfile`)).toBe(true);
  });

  it('builds AppImage and deb for Linux, dmg for macOS, nsis for Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('sets the security fuses: no run-as-node, no NODE_OPTIONS, no inspect, asar only and checked', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('ships the built app and points at the bundled main process', () => {
    expect(config.extraMetadata.main).toBe('dist/electron/main.cjs');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/renderer/**']));
  });

  it('names icons that exist', () => {
    expect(existsSync(`${root}${config.linux.icon}/256x256.png`)).toBe(true);
    expect(existsSync(`${root}${config.mac.icon}`)).toBe(true);
    expect(existsSync(`${root}${config.win.icon}`)).toBe(true);
    expect(existsSync(`${root}build/icons/icon.svg`)).toBe(true);
  });
});
