// Lint: the layer rules of ARCHITECTURE.md, enforced. core/engine and core/lab
// are pure: they may import each other (lab -> engine only) and a short list of
// pure libraries, nothing from Node, the DOM, Electron or Docker.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'tls', 'tty', 'url', 'util',
  'vm', 'worker_threads', 'zlib', 'timers', 'perf_hooks', 'module',
];
const impure = {
  patterns: [
    { group: ['node:*'], message: 'core/engine and core/lab are pure: no Node built-ins.' },
    { group: ['electron', 'electron/*'], message: 'core/engine and core/lab are pure: no Electron.' },
    { group: ['dockerode', 'ws', 'playwright-core', 'vitest', 'tsx'], message: 'core/engine and core/lab are pure: this package belongs to core/host or tests.' },
    { group: ['**/host/**', '**/host', '**/renderer/**', '**/electron/**'], message: 'Dependencies point down the layers: the pure core cannot import host, renderer or electron code.' },
  ],
  paths: nodeBuiltins.map((name) => ({ name, message: 'core/engine and core/lab are pure: no Node built-ins.' })),
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'renderer/dist/**', '**/*.svelte', 'build/node-image/rootfs/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['core/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        ...impure,
        patterns: [...impure.patterns, { group: ['**/lab/**', '**/lab', '**/api/**'], message: 'core/engine is the bottom layer: it cannot import core/lab or core/api.' }],
      }],
    },
  },
  {
    files: ['core/lab/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        ...impure,
        patterns: [...impure.patterns, { group: ['**/api/**'], message: 'core/lab sits below core/api.' }],
      }],
    },
  },
);
