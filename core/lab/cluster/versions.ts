// Kubernetes versions a lab can run, and what each shows (kubelet, OS image,
// container runtime), so `kubectl get nodes -o wide` reads like a real cluster
// of that release.

import type { KubeProxyVersion } from '../../engine/proxier/types.js';

export interface ReleaseInfo {
  /** The proxier layout: below 1.24 kube-proxy holds NodePort sockets. */
  proxier: KubeProxyVersion;
  /** `v1.22.8` */
  gitVersion: string;
  minor: number;
  osImage: string;
  kernelVersion: string;
  containerRuntime: string;
  corednsImage: string;
  etcdImage: string;
  pauseImage: string;
  /** Node role labels (`control-plane,master` before 1.24). */
  roles: string[];
}

/** `1.22`, `v1.22.8`, `1.33.1` → the release we model. */
export function releaseInfo(version: string): ReleaseInfo {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  const minor = m ? Number(m[2]) : 33;
  const patch = m?.[3];
  if (minor < 24) {
    return {
      proxier: '1.22', gitVersion: `v1.${minor}.${patch ?? (minor === 22 ? '8' : '0')}`, minor,
      osImage: 'Ubuntu 20.04.4 LTS', kernelVersion: '5.13.0-37-generic', containerRuntime: 'docker://20.10.14',
      corednsImage: 'k8s.gcr.io/coredns/coredns:v1.8.4', etcdImage: 'k8s.gcr.io/etcd:3.5.0-0', pauseImage: 'k8s.gcr.io/pause:3.5',
      roles: ['control-plane', 'master'],
    };
  }
  return {
    proxier: '1.33', gitVersion: `v1.${minor}.${patch ?? '1'}`, minor,
    osImage: 'Ubuntu 22.04.5 LTS', kernelVersion: '5.15.0-127-generic', containerRuntime: 'containerd://1.7.24',
    corednsImage: 'registry.k8s.io/coredns/coredns:v1.12.0', etcdImage: 'registry.k8s.io/etcd:3.5.21-0', pauseImage: 'registry.k8s.io/pause:3.10',
    roles: ['control-plane'],
  };
}

export function kubeProxyImage(r: ReleaseInfo): string {
  return r.minor < 24 ? `k8s.gcr.io/kube-proxy:${r.gitVersion}` : `registry.k8s.io/kube-proxy:${r.gitVersion}`;
}
