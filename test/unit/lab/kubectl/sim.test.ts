// kubectl against the lab's real API server and runtime (core/lab/sim): the
// seed 003 walk-through with simulated time, plus what only a live cluster
// shows — pods starting, Terminating, watches fed by controllers.

import { describe, expect, it } from 'vitest';
import { SimRuntime } from '../../../../core/lab/sim/runtime.js';
import { manualClock } from '../../../../core/lab/sim/clock.js';
import { runKubectl } from '../../../../core/lab/kubectl/index.js';

function lab(version = '1.22') {
  const clock = manualClock();
  const rt = SimRuntime.create({ name: 't', nodes: 3, kubeProxyVersion: version, backend: 'sim' }, clock);
  const k = async (args: string | string[], extra: { signal?: AbortSignal; stdout?: (s: string) => void } = {}) => {
    let out = '';
    let err = '';
    const code = await runKubectl(rt.api, Array.isArray(args) ? args : args.split(' '), { stdout: extra.stdout ?? ((s) => (out += s)), stderr: (s) => (err += s), ...(extra.signal ? { signal: extra.signal } : {}) });
    return { out, err, code };
  };
  return { rt, clock, k };
}

describe('kubectl on a sim lab', () => {
  it('seed 003: run, expose, get svc/ep, describe, delete', async () => {
    const { clock, k } = lab();
    expect((await k('get nodes')).out).toMatch(/^NAME   STATUS   ROLES                  AGE   VERSION\nk8s1   Ready    control-plane,master   \d+s +v1\.22\.8\nk8s2   Ready    <none> /);
    expect(await k('run nginx --image=nginx')).toEqual({ out: 'pod/nginx created\n', err: '', code: 0 });
    clock.advance(68_000);
    const pods = (await k('get pods nginx -o wide')).out.split('\n');
    expect(pods[0]).toBe('NAME    READY   STATUS    RESTARTS   AGE   IP           NODE   NOMINATED NODE   READINESS GATES');
    expect(pods[1]).toMatch(/^nginx   1\/1     Running   0          68s   10\.244\.\d+\.\d+ +k8s\d   <none>           <none>$/);
    expect((await k('expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80')).out).toBe('service/my-nginx-svc exposed\n');
    clock.advance(4_000);
    const svc = (await k('get svc')).out;
    expect(svc).toMatch(/^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nkubernetes +ClusterIP +10\.96\.0\.1 +<none> +443\/TCP +\d+s\nmy-nginx-svc +ClusterIP +10\.\d+\.\d+\.\d+ +<none> +3000\/TCP +4s\n$/);
    const podIP = (await k(['get', 'pod', 'nginx', '-o', 'jsonpath={.status.podIP}'])).out;
    expect((await k('get ep my-nginx-svc')).out).toContain(`${podIP}:80`);
    const d = (await k('describe svc my-nginx-svc')).out;
    expect(d).toContain(`Endpoints:                ${podIP}:80\n`);
    expect(d).toContain('TargetPort:               80/TCP\n');
    expect((await k('get ep kube-dns -n kube-system')).out).toMatch(/\+ 3 more\.\.\./);
    expect(await k('delete service my-nginx-svc')).toEqual({ out: 'service "my-nginx-svc" deleted\n', err: '', code: 0 });
    expect((await k('get svc my-nginx-svc')).err).toBe('Error from server (NotFound): services "my-nginx-svc" not found\n');
  });

  it('seed 000: apply a NodePort service and deployment, the port taken twice, jq-ready JSON', async () => {
    const { clock, k, rt } = lab();
    const manifest = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    name: http\n    targetPort: 80\n    nodePort: 30450\n  selector:\n    app: nginx\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n      - image: nginx\n        name: nginx\n        ports:\n        - containerPort: 80\n          name: http\n';
    let out = '';
    const code = await runKubectl(rt.api, ['apply', '-f', '-'], { stdout: (s) => (out += s), stderr: (s) => (out += s), stdin: manifest });
    expect(code).toBe(0);
    expect(out).toBe('service/nginx created\ndeployment.apps/nginx created\n');
    clock.advance(10_000);
    const labels = (await k('get po -l app=nginx --show-labels -o wide')).out;
    expect(labels).toMatch(/^nginx-[a-z0-9]{8,10}-[a-z0-9]{5} +1\/1 +Running .* app=nginx,pod-template-hash=[a-z0-9]{8,10}$/m);
    expect((await k('get svc nginx -o wide')).out).toMatch(/nginx +NodePort +10\.\d+\.\d+\.\d+ +<none> +80:30450\/TCP +10s +app=nginx\n$/);
    const name = (await k(['get', 'po', '-l', 'app=nginx', '-o', 'jsonpath={.items[0].metadata.name}'])).out;
    const pod = JSON.parse((await k(`get po ${name} -o json`)).out) as { status: { podIP: string }; spec: { containers: { ports: { containerPort: number }[] }[] } };
    expect(pod.spec.containers[0]?.ports[0]?.containerPort).toBe(80);
    expect(pod.status.podIP).toMatch(/^10\.244\./);
    const again = await k('create service nodeport other --tcp=80:80 --node-port=30450');
    expect(again).toEqual({ out: '', err: 'The Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated\n', code: 1 });
  });

  it('kube-proxy logs; a deleted pod is Terminating until gone, and delete waits for that', async () => {
    const { clock, k } = lab();
    const kp = (await k(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'jsonpath={.items[0].metadata.name}'])).out;
    expect(kp).toMatch(/^kube-proxy-[a-z0-9]{5}$/);
    const logs = (await k(`logs ${kp} -n kube-system`)).out;
    expect(logs).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +1 node\.go:\d+\] Successfully retrieved node IP: /);
    expect(logs).toContain('Using iptables Proxier.');
    await k('run web --image=nginx');
    clock.advance(5_000);
    expect((await k('delete pod web --wait=false')).out).toBe('pod "web" deleted\n');
    expect((await k('get pods')).out).toMatch(/^web +[01]\/1 +Terminating +0 +5s$/m);
    await k('run other --image=nginx');
    clock.advance(5_000);
    // without --wait=false kubectl returns once the pod is really gone
    expect((await k('delete pod other')).out).toBe('pod "other" deleted\n');
    expect((await k('get pod other')).err).toBe('Error from server (NotFound): pods "other" not found\n');
  });

  it('get -w shows the new pod as the scheduler and kubelet move it on', async () => {
    const { clock, k } = lab();
    const ac = new AbortController();
    let out = '';
    const watching = k('get pods -w', { signal: ac.signal, stdout: (s) => (out += s) });
    await k('run web --image=nginx');
    clock.advance(5_000);
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    expect((await watching).code).toBe(130);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE$/);
    expect(lines.at(-1)).toMatch(/^web +1\/1 +Running +0 +\d+s$/);
  });

  it('run -i --rm -- CMD: waits for the pod, shows the output, removes the pod', async () => {
    const { k } = lab();
    expect(await k('run tmp --rm -i --image=busybox --restart=Never -- hostname')).toEqual({ out: 'tmp\npod "tmp" deleted\n', err: '', code: 0 });
    expect((await k('get pod tmp')).err).toBe('Error from server (NotFound): pods "tmp" not found\n');
    const it = await k('run tmp2 -it --image=busybox');
    expect(it.code).toBe(1);
    expect(it.err).toContain('kubectl exec POD -- COMMAND');
  });

  it('wait --for=condition=Ready and rollout status let simulated time pass', async () => {
    const { k, clock } = lab();
    await k('run nginx --image=nginx');
    const t0 = clock.now();
    expect(await k('wait --for=condition=Ready pod/nginx')).toEqual({ out: 'pod/nginx condition met\n', err: '', code: 0 });
    expect(clock.now() - t0).toBeGreaterThan(0);
    expect(clock.now() - t0).toBeLessThan(30_000);
    expect(await k(['wait', '--for=jsonpath={.status.phase}=Running', 'pod/nginx'])).toEqual({ out: 'pod/nginx condition met\n', err: '', code: 0 });
    expect(await k('wait --for=condition=Ready pod/nginx --timeout=2s --for=condition=Nope')).toEqual({ out: '', err: 'error: timed out waiting for the condition on pods/nginx\n', code: 1 });
    await k('create deployment web --image=nginx --replicas=2');
    const r = await k('rollout status deployment/web');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^(Waiting for deployment "web" rollout to finish: .*\n)*deployment "web" successfully rolled out\n$/);
    expect(r.out).toContain('Waiting for deployment "web" rollout to finish');
  });

  it('describe ds, rs, deploy of the system workloads', async () => {
    const { k } = lab('1.33');
    const ds = (await k('describe ds kube-proxy -n kube-system')).out;
    expect(ds).toMatch(/^Name:           kube-proxy\nSelector:       k8s-app=kube-proxy\nNode-Selector:  kubernetes.io\/os=linux\n/);
    expect(ds).toContain('\nDesired Number of Nodes Scheduled: 3\nCurrent Number of Nodes Scheduled: 3\n');
    expect(ds).toContain('Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed\n');
    expect(ds).toMatch(/\n   kube-proxy:\n    Image: +registry\.k8s\.io\/kube-proxy:v1\.33\.\d+\n/);
    const rs = (await k('describe rs -n kube-system')).out;
    expect(rs).toMatch(/^Name: +coredns-[a-z0-9]+\n/);
    expect(rs).toContain('Controlled By:  Deployment/coredns\nReplicas:       2 current / 2 desired\n');
    const d = (await k('describe deploy coredns -n kube-system')).out;
    expect(d).toMatch(/Replicas: +2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable\n/);
    expect(d).toMatch(/NewReplicaSet: +coredns-[a-z0-9]+ \(2\/2 replicas created\)\n/);
  });

  it('patch a NodePort service: nodePort, type, selector; expose a service', async () => {
    const { k } = lab('1.33');
    await k(['create', 'deployment', 'nginx', '--image=nginx', '--port=80']);
    expect((await k('expose deploy nginx --type=NodePort')).out).toBe('service/nginx exposed\n');
    expect((await k(['patch', 'svc', 'nginx', '-p', '{"spec":{"ports":[{"port":80,"nodePort":30450}]}}'])).out).toBe('service/nginx patched\n');
    expect((await k(['get', 'svc', 'nginx', '-o', 'jsonpath={.spec.ports}'])).out).toBe('[{"nodePort":30450,"port":80,"protocol":"TCP","targetPort":80}]');
    const bad = await k(['patch', 'svc', 'nginx', '-p', '{"spec":{"clusterIP":"10.96.5.5"}}']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^The Service "nginx" is invalid: spec\.clusterIPs?\[0\]: Invalid value: .*may not change once set\n$/);
    expect((await k(['patch', 'svc', 'nginx', '--type=merge', '-p', '{"spec":{"selector":{"app":"other"}}}'])).out).toBe('service/nginx patched\n');
    expect((await k('get ep nginx')).out).toMatch(/^NAME +ENDPOINTS +AGE\nnginx +<none> +\d+s\n$/);
    expect((await k('expose svc nginx --name=copy')).out).toBe('service/copy exposed\n');
    expect((await k(['get', 'svc', 'copy', '-o', 'jsonpath={.spec.selector.app} {.spec.type} {.spec.ports[0].port}'])).out).toBe('other ClusterIP 80');
  });

  it('events --for a pod; replace -f a service', async () => {
    const { k, clock, rt } = lab('1.33');
    expect(await k('events')).toEqual({ out: '', err: 'No events found in default namespace.\n', code: 0 });
    await k('run web --image=nginx');
    clock.advance(3_000);
    const ev = (await k('events --for pod/web')).out.split('\n');
    expect(ev[0]).toMatch(/^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$/);
    expect(ev[1]).toMatch(/^3s +Normal +Scheduled +Pod\/web +Successfully assigned default\/web to k8s\d$/);
    await k('create service clusterip web --tcp=80:80');
    const manifest = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 8080\n    targetPort: 80\n  selector:\n    run: web\n';
    let out = '';
    const code = await runKubectl(rt.api, ['replace', '-f', '-'], { stdout: (s) => (out += s), stderr: (s) => (out += s), stdin: manifest });
    expect({ out, code }).toEqual({ out: 'service/web replaced\n', code: 0 });
    expect((await k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].port} {.spec.selector}'])).out).toBe('8080 {"run":"web"}');
  });
});
