// kubectl's commands as a person meets them: the action lines, the error
// words and exit statuses, files read from the node's filesystem, watches
// that stop on Ctrl-C, logs and exec through the API.

import { describe, expect, it } from 'vitest';
import { kubectl, pod, seed003 } from './fixtures.js';

function memFs(files: Record<string, string>) {
  return {
    readFile: (p: string) => files[p] ?? ('ENOENT' as const),
    stat: (p: string) => (p in files ? { kind: 'file' as const } : Object.keys(files).some((f) => f.startsWith(`${p}/`)) ? { kind: 'dir' as const } : ('ENOENT' as const)),
    readDir: (p: string) => Object.keys(files).filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1)).sort(),
  };
}

const SEED000 = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  namespace: default
spec:
  type: NodePort
  ports:
  - port: 80
    name: http
    targetPort: 80
    nodePort: 30450
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: default
spec:
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - image: nginx
        name: nginx
        ports:
        - containerPort: 80
          name: http
`;

describe('errors in kubectl words', () => {
  it('unknown resource type, unknown command, unknown flag', async () => {
    const api = seed003();
    expect(await kubectl(api, 'get foo')).toEqual({ out: '', err: 'error: the server doesn\'t have a resource type "foo"\n', code: 1 });
    const gett = await kubectl(api, 'gett pods');
    expect(gett.err).toMatch(/^Error: unknown command "gett" for "kubectl"\n\nDid you mean this\?\n(\t\w+\n)*\tget\n/);
    expect(await kubectl(api, 'get pods --foo')).toEqual({ out: '', err: "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n", code: 1 });
    expect(await kubectl(api, 'get pods -n')).toEqual({ out: '', err: "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.\n", code: 1 });
  });

  it('NotFound for a named object, empty namespaces said plainly', async () => {
    const api = seed003();
    expect(await kubectl(api, 'get svc nope')).toEqual({ out: '', err: 'Error from server (NotFound): services "nope" not found\n', code: 1 });
    expect(await kubectl(api, 'get deploy nope')).toEqual({ out: '', err: 'Error from server (NotFound): deployments.apps "nope" not found\n', code: 1 });
    expect(await kubectl(api, 'get pods')).toEqual({ out: '', err: 'No resources found in default namespace.\n', code: 0 });
    expect(await kubectl(api, 'get pods -n foo')).toEqual({ out: '', err: 'No resources found in foo namespace.\n', code: 0 });
    expect(await kubectl(api, 'get svc nope --ignore-not-found')).toEqual({ out: '', err: '', code: 0 });
    expect(await kubectl(api, 'get svc kubernetes -A')).toEqual({ out: '', err: 'error: a resource cannot be retrieved by name across all namespaces\n', code: 1 });
    const mixed = await kubectl(api, 'get svc kubernetes nope');
    expect(mixed).toEqual({ out: 'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   6d14h\n', err: 'Error from server (NotFound): services "nope" not found\n', code: 1 });
  });

  it('Invalid statuses are printed as the API server words them', async () => {
    const api = seed003();
    expect((await kubectl(api, 'create service nodeport nginx --tcp=80:80 --node-port=30450')).out).toBe('service/nginx created\n');
    expect(await kubectl(api, 'create service nodeport other --tcp=80:80 --node-port=30450')).toEqual({
      out: '',
      err: 'The Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30450: provided port is already allocated\n',
      code: 1,
    });
    expect((await kubectl(api, 'create service nodeport nginx --tcp=80:80')).err).toBe('Error from server (AlreadyExists): services "nginx" already exists\n');
  });

  it('required flags and missing arguments', async () => {
    const api = seed003();
    const run = await kubectl(api, 'run nginx');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ run\.go:72\] "command failed" err="required flag\(s\) \\"image\\" not set"\n$/);
    expect((await kubectl(api, 'scale deploy nginx')).err).toContain('required flag(s) \\"replicas\\" not set');
    expect((await kubectl(api, 'patch svc kubernetes')).err).toBe('error: must specify --patch or --patch-file containing the contents of the patch\n');
    expect((await kubectl(api, 'create service clusterip x')).err).toBe('error: at least one tcp port specifier must be provided\n');
    expect((await kubectl(api, 'exec nginx')).err).toBe('error: you must specify at least one command for the container\n');
    expect((await kubectl(api, 'delete svc')).err).toBe('error: resource(s) were provided, but no name was specified\n');
  });
});

describe('creating and changing objects', () => {
  it('create service nodeport builds kubectl\'s object', async () => {
    const api = seed003();
    const r = await kubectl(api, 'create service nodeport nginx --tcp=80:8080 --node-port=30450 --dry-run=client -o yaml');
    expect(r.out).toBe(
      'apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: nginx\n  name: nginx\nspec:\n  ports:\n  - name: 80-8080\n    nodePort: 30450\n    port: 80\n    protocol: TCP\n    targetPort: 8080\n  selector:\n    app: nginx\n  type: NodePort\nstatus:\n  loadBalancer: {}\n',
    );
    expect(await kubectl(api, 'get svc nginx')).toEqual({ out: '', err: 'Error from server (NotFound): services "nginx" not found\n', code: 1 });
  });

  it('apply -f from the node filesystem, then again: created, then unchanged', async () => {
    const api = seed003();
    const fs = memFs({ '/root/nginx.yaml': SEED000 });
    expect(await kubectl(api, 'apply -f nginx.yaml', { fs, cwd: '/root' })).toEqual({ out: 'service/nginx created\ndeployment.apps/nginx created\n', err: '', code: 0 });
    expect((await kubectl(api, 'apply -f /root/nginx.yaml', { fs })).out).toBe('service/nginx unchanged\ndeployment.apps/nginx unchanged\n');
    const svc = JSON.parse((await kubectl(api, 'get svc nginx -o json')).out) as { metadata: { annotations: Record<string, string> } };
    expect(svc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toMatch(/^\{"apiVersion":"v1","kind":"Service",.*"nodePort":30450.*\}\n$/);
    expect((await kubectl(api, 'get svc nginx')).out).toContain('80:30450/TCP');
    expect(await kubectl(api, 'delete -f nginx.yaml', { fs, cwd: '/root' })).toEqual({ out: 'service "nginx" deleted\ndeployment.apps "nginx" deleted\n', err: '', code: 0 });
    expect(await kubectl(api, 'apply -f missing.yaml', { fs, cwd: '/root' })).toEqual({ out: '', err: 'error: the path "missing.yaml" does not exist\n', code: 1 });
  });

  it('apply over an object made by create warns about the missing annotation, as kubectl does', async () => {
    const api = seed003();
    await kubectl(api, 'create -f -', { stdin: SEED000 });
    const r = await kubectl(api, 'apply -f -', { stdin: SEED000 });
    expect(r.err).toContain('Warning: resource services/nginx is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply.');
    expect(r.code).toBe(0);
    expect((await kubectl(api, 'apply -f -', { stdin: SEED000 })).err).toBe('');
  });

  it('create -f - reads stdin; a second create says AlreadyExists with the source', async () => {
    const api = seed003();
    expect((await kubectl(api, 'create -f -', { stdin: SEED000 })).out).toBe('service/nginx created\ndeployment.apps/nginx created\n');
    const again = await kubectl(api, 'create -f -', { stdin: { readAll: async () => SEED000 } });
    expect(again.code).toBe(1);
    expect(again.err).toBe(
      'Error from server (AlreadyExists): error when creating "STDIN": services "nginx" already exists\nError from server (AlreadyExists): error when creating "STDIN": deployments.apps "nginx" already exists\n',
    );
  });

  it('a manifest that is not YAML says where', async () => {
    const api = seed003();
    const r = await kubectl(api, 'apply -f -', { stdin: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: error parsing STDIN: error converting YAML to JSON: yaml: line \d+:/);
  });

  it('expose a deployment as NodePort copies selector and ports', async () => {
    const api = seed003();
    await kubectl(api, 'apply -f -', { stdin: SEED000 });
    await kubectl(api, 'delete svc nginx');
    expect((await kubectl(api, 'expose deployment nginx --type=NodePort --name=livefire-nodeport-svc')).out).toBe('service/livefire-nodeport-svc exposed\n');
    const svc = JSON.parse((await kubectl(api, 'get svc livefire-nodeport-svc -o json')).out) as { spec: Record<string, unknown> };
    expect(svc.spec.selector).toEqual({ app: 'nginx' });
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports).toEqual([{ nodePort: 30450, port: 80, protocol: 'TCP', targetPort: 80 }]);
    expect((await kubectl(api, 'expose pod nope')).err).toBe('Error from server (NotFound): pods "nope" not found\n');
  });

  it('patch (strategic, merge, json), scale, edit', async () => {
    const api = seed003();
    await kubectl(api, 'create service clusterip web --tcp=80:80');
    expect((await kubectl(api, ['patch', 'svc', 'web', '-p', '{"spec":{"type":"NodePort"}}'])).out).toBe('service/web patched\n');
    expect((await kubectl(api, ['patch', 'svc', 'web', '--type=merge', '-p', 'spec: {type: NodePort}'])).out).toBe('service/web patched (no change)\n');
    expect((await kubectl(api, ['patch', 'svc', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/externalTrafficPolicy","value":"Local"}]'])).out).toBe('service/web patched\n');
    expect((await kubectl(api, 'get svc web -o jsonpath={.spec.type}/{.spec.externalTrafficPolicy}')).out).toBe('NodePort/Local');
    expect((await kubectl(api, ['patch', 'svc', 'web', '--type=json', '-p', '{"a":1}'])).code).toBe(1);
    await kubectl(api, 'create deployment hello --image=nginx');
    expect((await kubectl(api, 'scale --replicas=3 deployment/hello')).out).toBe('deployment.apps/hello scaled\n');
    expect((await kubectl(api, 'get deploy hello -o jsonpath={.spec.replicas}')).out).toBe('3');
    const edit = await kubectl(api, 'edit svc web');
    expect(edit.code).toBe(1);
    expect(edit.err).toContain('kubectl patch service web');
    expect(edit.err).toContain('kubectl apply -f');
  });

  it('run with --port and --dry-run=client -o yaml prints the pod kubectl would send', async () => {
    const api = seed003();
    const r = await kubectl(api, 'run web --image=nginx --port=80 --dry-run=client -o yaml');
    expect(r.out).toBe(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    run: web\n  name: web\nspec:\n  containers:\n  - image: nginx\n    name: web\n    ports:\n    - containerPort: 80\n    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Always\nstatus: {}\n',
    );
  });
});

describe('reading the cluster', () => {
  it('seed 000: pod IP and port through -o json for jq, and through jsonpath', async () => {
    const api = seed003();
    api.seed(pod(api, 'default', 'nginx-5bc759676c-x9bwg', { ageMs: 24 * 86400_000, ip: '10.244.0.11', node: 'k8s1', labels: { app: 'nginx', 'pod-template-hash': '5bc759676c' }, ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }] }));
    const j = JSON.parse((await kubectl(api, 'get po nginx-5bc759676c-x9bwg -o json')).out) as { kind: string; status: { podIP: string }; spec: { containers: { ports: { containerPort: number }[] }[] } };
    expect(j.kind).toBe('Pod');
    expect(`${j.status.podIP}:${j.spec.containers[0]?.ports[0]?.containerPort}`).toBe('10.244.0.11:80');
    const wide = await kubectl(api, 'get po -l app=nginx --show-labels -o wide');
    expect(wide.out).toBe(
      'NAME                     READY   STATUS    RESTARTS   AGE   IP            NODE   NOMINATED NODE   READINESS GATES   LABELS\n' +
        'nginx-5bc759676c-x9bwg   1/1     Running   0          24d   10.244.0.11   k8s1   <none>           <none>            app=nginx,pod-template-hash=5bc759676c\n',
    );
    const list = JSON.parse((await kubectl(api, 'get pods -o json')).out) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
  });

  it('-o go-template and --template', async () => {
    const api = seed003();
    expect((await kubectl(api, ['get', 'svc', '-A', '-o', 'go-template={{range .items}}{{.metadata.name}}={{.spec.clusterIP}}{{"\\n"}}{{end}}'])).out).toBe('kubernetes=10.96.0.1\nkube-dns=10.96.0.10\n');
    expect((await kubectl(api, ['get', 'svc', 'kubernetes', '-o', 'go-template', '--template', '{{index .metadata.labels "provider"}}'])).out).toBe('kubernetes');
  });

  it('several types: kind-prefixed names, one table each', async () => {
    const r = await kubectl(seed003(), 'get svc,ep');
    expect(r.out).toBe(
      'NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nservice/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   6d14h\n\n' +
        'NAME                   ENDPOINTS            AGE\nendpoints/kubernetes   192.168.100.1:6443   6d14h\n',
    );
    expect((await kubectl(seed003(), 'get svc -A -o name')).out).toBe('service/kubernetes\nservice/kube-dns\n');
  });

  it('describe a pod by name prefix and a missing one', async () => {
    const api = seed003();
    const r = await kubectl(api, 'describe pod coredns -n kube-system');
    expect(r.out.match(/^Name: /gm)).toHaveLength(2);
    expect(r.out).toContain('\n\n\nName:             coredns-78fcd69978-hf5sj\n');
    expect(r.out).toContain('Node:             k8s1/');
    expect(await kubectl(api, 'describe pod nope')).toEqual({ out: '', err: 'Error from server (NotFound): pods "nope" not found\n', code: 1 });
  });

  it('logs, logs --previous, logs -f until Ctrl-C', async () => {
    const api = seed003();
    api.logText.set('kube-proxy-brrvs', 'I0330 09:28:56.497083       1 node.go:172] Successfully retrieved node IP: 10.210.40.172\n');
    expect((await kubectl(api, 'logs kube-proxy-brrvs -n kube-system')).out).toBe('I0330 09:28:56.497083       1 node.go:172] Successfully retrieved node IP: 10.210.40.172\n');
    const prev = await kubectl(api, 'logs -p kube-proxy-brrvs -n kube-system');
    expect(prev.code).toBe(1);
    expect(prev.err).toBe('Error from server (BadRequest): previous terminated container "kube" in pod "kube-proxy-brrvs" not found\n');
    expect((await kubectl(api, 'logs -l k8s-app=kube-proxy -n kube-system --prefix')).out).toBe(
      '[pod/kube-proxy-brrvs/kube] I0330 09:28:56.497083       1 node.go:172] Successfully retrieved node IP: 10.210.40.172\n',
    );
    const ac = new AbortController();
    let out = '';
    const running = kubectl(api, 'logs -f kube-proxy-brrvs -n kube-system', { signal: ac.signal, stdout: (s) => (out += s) });
    await new Promise((r) => setTimeout(r, 10));
    for (const f of api.followers) f('I0330 09:29:00.000000       1 proxier.go:1000] Syncing iptables rules\n');
    ac.abort();
    expect((await running).code).toBe(130);
    expect(out).toContain('Syncing iptables rules');
    expect(api.followers).toHaveLength(0);
  });

  it('exec runs through the API and passes the exit status on', async () => {
    const api = seed003();
    expect(await kubectl(api, 'exec kube-proxy-brrvs -n kube-system -- hostname')).toEqual({ out: 'kube-proxy-brrvs\n', err: '', code: 0 });
    expect(await kubectl(api, 'exec -n kube-system kube-proxy-brrvs -- false')).toEqual({ out: '', err: 'command terminated with exit code 1\n', code: 1 });
    expect(api.execCalls.map((c) => c.argv)).toEqual([['hostname'], ['false']]);
    const sh = await kubectl(api, 'exec -it -n kube-system kube-proxy-brrvs -- sh');
    expect(sh.code).toBe(1);
    expect(sh.err).toContain("kubectl exec kube-proxy-brrvs -- sh -c 'cat /etc/resolv.conf'");
  });

  it('get -w prints the list, then a row per change, until Ctrl-C', async () => {
    const api = seed003();
    const ac = new AbortController();
    let out = '';
    const running = kubectl(api, 'get svc -w', { signal: ac.signal, stdout: (s) => (out += s) });
    await new Promise((r) => setTimeout(r, 10));
    await kubectl(api, 'create service clusterip my-nginx-svc --tcp=3000:80');
    ac.abort();
    const r = await running;
    expect(r.code).toBe(130);
    expect(out).toBe(
      'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   6d14h\nmy-nginx-svc ClusterIP   10.98.69.149 <none>        3000/TCP  0s\n'.replace(
        'my-nginx-svc ClusterIP   10.98.69.149 <none>        3000/TCP  0s',
        'my-nginx-svc   ClusterIP   10.98.69.149   <none>        3000/TCP   0s',
      ),
    );
  });

  it('version and help', async () => {
    const api = seed003();
    expect((await kubectl(api, 'version')).out).toBe(
      'Client Version: v1.32.4\nKustomize Version: v5.5.0\nServer Version: v1.22.8\nWARNING: version difference between client (1.32) and server (1.22) exceeds the supported minor version skew of +/-1\n',
    );
    const h = await kubectl(api, 'expose --help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage:\n  kubectl expose (-f FILENAME | TYPE NAME)');
    expect((await kubectl(api, '--help')).out).toContain('kubectl controls the Kubernetes cluster manager.');
  });

  it('get -f and describe -f look up the objects a manifest names', async () => {
    const api = seed003();
    const fs = memFs({ '/root/nginx.yaml': SEED000 });
    await kubectl(api, 'apply -f nginx.yaml', { fs, cwd: '/root' });
    expect((await kubectl(api, 'get -f nginx.yaml -o name', { fs, cwd: '/root' })).out).toBe('service/nginx\ndeployment.apps/nginx\n');
    const d = await kubectl(api, 'describe -f nginx.yaml', { fs, cwd: '/root' });
    expect(d.out).toMatch(/^Name:                     nginx\nNamespace:                default\n/);
    expect(d.out).toContain('NodePort:                 http  30450/TCP\n');
    expect(d.out).toContain('\n\n\nName:                   nginx\nNamespace:              default\nCreationTimestamp:');
    expect(d.out).toContain('Replicas:               1 desired | 0 updated | 0 total | 0 available | 0 unavailable\n');
  });

  it('--sort-by and -L label columns', async () => {
    const api = seed003();
    const r = await kubectl(api, ['get', 'pods', '-n', 'kube-system', '--sort-by=.status.podIP', '-o', 'custom-columns=IP:.status.podIP', '--no-headers']);
    expect(r.out.split('\n')[0]).toBe('10.210.40.172');
    expect(r.out.split('\n').filter((l) => l !== '').at(-1)).toBe('10.244.2.21');
    const l = await kubectl(api, 'get svc -n kube-system -L k8s-app');
    expect(l.out.split('\n')[0]).toMatch(/AGE +K8S-APP$/);
    expect(l.out.split('\n')[1]).toMatch(/6d15h +kube-dns$/);
  });

  it('label and annotate', async () => {
    const api = seed003();
    await kubectl(api, 'run nginx --image=nginx');
    expect((await kubectl(api, 'label pod nginx app=web')).out).toBe('pod/nginx labeled\n');
    expect((await kubectl(api, 'label pod nginx app=db')).err).toBe("error: 'app' already has a value (web), and --overwrite is false\n");
    expect((await kubectl(api, 'label pod nginx app=db --overwrite')).out).toBe('pod/nginx labeled\n');
    expect((await kubectl(api, 'get pod nginx --show-labels')).out).toMatch(/app=db,run=nginx\n$/);
    expect((await kubectl(api, 'label pod nginx app-')).out).toBe('pod/nginx unlabeled\n');
    expect((await kubectl(api, 'annotate svc kubernetes note=hi')).out).toBe('service/kubernetes annotated\n');
  });

  it('config is read-only; real commands the lab lacks say so', async () => {
    const api = seed003();
    expect(await kubectl(api, 'config current-context')).toEqual({ out: 'kubernetes-admin@kubernetes\n', err: '', code: 0 });
    expect((await kubectl(api, 'config view')).out).toContain('    server: https://192.168.100.1:6443\n');
    expect(await kubectl(api, 'port-forward svc/x 8080:80')).toEqual({ out: '', err: 'error: "kubectl port-forward" is not available in this lab; "kubectl --help" lists the commands that are\n', code: 1 });
  });
});
