// What each test tier needs, and how to get it. Returns null when the tier can
// run here, else a sentence for the SKIPPED line. Shared by scripts/test.mjs and
// the tier setups (which fail loudly, instead of skipping, when asked to run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;

export function chromiumPath() {
  return process.env.CHAINLAB_CHROMIUM ?? '/usr/bin/chromium';
}

export function tierPrerequisites(tier) {
  switch (tier) {
    case 'unit':
      return null;
    case 'kernel': {
      if (process.getuid?.() !== 0) return 'needs root (network namespaces and iptables); run as root or in CI';
      const missing = ['iptables', 'iptables-restore', 'iptables-save', 'xtables-monitor', 'conntrack', 'ip'].filter((c) => !has(c));
      if (missing.length > 0) return `missing ${missing.join(', ')}; install with: apt-get install -y iptables conntrack iproute2`;
      const ns = `chainlab-probe-${process.pid}`;
      if (!ok('ip', ['netns', 'add', ns])) return 'cannot create a network namespace (ip netns add failed): needs CAP_SYS_ADMIN';
      ok('ip', ['netns', 'del', ns]);
      return null;
    }
    case 'docker': {
      if (!has('docker')) return 'no docker client; install with: apt-get install -y docker.io';
      if (!ok('docker', ['version', '--format', '{{.Server.Version}}'])) return 'no Docker engine answers; start one (dockerd &) or set DOCKER_HOST';
      return null;
    }
    case 'e2e': {
      if (!existsSync(chromiumPath())) return `no Chromium at ${chromiumPath()}; install with: apt-get install -y chromium (or set CHAINLAB_CHROMIUM)`;
      return null;
    }
    default:
      return `unknown tier ${tier}`;
  }
}
