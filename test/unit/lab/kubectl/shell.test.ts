// kubectl inside a node shell of a sim lab: files written with a here-doc
// are read by `-f`, output goes through pipes to jq/grep/head, and the shell
// sees kubectl's exit status.

import { afterEach, describe, expect, it } from 'vitest';
import { createSimLab, manualClock, type Lab } from '../../../../core/lab/index.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const heredoc = `cat <<EOF > nginx.yaml
apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  type: NodePort
  ports:
  - port: 80
    name: http
    targetPort: 80
    nodePort: 30450
  selector:
    app: nginx
EOF`;

describe('kubectl in a node shell', () => {
  it('apply -f a here-doc file, jq on -o json, delete -f, exit statuses', async () => {
    lab = await createSimLab({ name: 't', nodes: 3, kubeProxyVersion: '1.22', backend: 'sim' }, { clock: manualClock() });
    expect((await lab.exec('k8s1', heredoc)).exitCode).toBe(0);
    expect(await lab.exec('k8s1', 'kubectl apply -f nginx.yaml')).toEqual({ output: 'service/nginx created\n', exitCode: 0 });
    expect(await lab.exec('k8s1', 'kubectl apply -f ./nginx.yaml')).toEqual({ output: 'service/nginx unchanged\n', exitCode: 0 });
    expect((await lab.exec('k8s1', 'kubectl create deployment nginx --image=nginx')).output).toBe('deployment.apps/nginx created\n');
    await lab.exec('k8s1', 'sleep 5');
    const jq = await lab.exec('k8s1', `kubectl get po -l app=nginx -o json | jq -r '[.items[0].status.podIP, .items[0].spec.containers[0].image] | join(":")'`);
    expect(jq.output).toMatch(/^10\.244\.\d+\.\d+:nginx\n$/);
    expect((await lab.exec('k8s1', 'kubectl get svc nginx -o wide | grep -c 30450')).output).toBe('1\n');
    expect(await lab.exec('k8s1', 'kubectl delete -f nginx.yaml')).toEqual({ output: 'service "nginx" deleted\n', exitCode: 0 });
    expect(await lab.exec('k8s1', 'kubectl get svc nginx; echo status=$?')).toEqual({ output: 'Error from server (NotFound): services "nginx" not found\nstatus=1\n', exitCode: 0 });
    expect((await lab.exec('k8s1', 'kubectl apply -f nope.yaml')).output).toBe('error: the path "nope.yaml" does not exist\n');
  });
});
