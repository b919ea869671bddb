// `kubectl --help` and `kubectl CMD --help` for the commands this lab
// supports, laid out like kubectl's help (summary, Examples, Options, Usage);
// the wording is our own and short.

interface Help {
  summary: string;
  usage: string;
  examples: [string, string][];
  options: [string, string][];
}

/** Every kubectl command name (for "Did you mean this?"); only some run here. */
export const SUBCOMMANDS = [
  'annotate', 'api-resources', 'api-versions', 'apply', 'attach', 'auth', 'autoscale', 'certificate', 'cluster-info', 'completion',
  'config', 'cordon', 'cp', 'create', 'debug', 'delete', 'describe', 'diff', 'drain', 'edit', 'events', 'exec', 'explain', 'expose',
  'get', 'help', 'kustomize', 'label', 'logs', 'options', 'patch', 'plugin', 'port-forward', 'proxy', 'replace', 'rollout', 'run',
  'scale', 'set', 'taint', 'top', 'uncordon', 'version', 'wait',
];

const HELP: Record<string, Help> = {
  get: {
    summary: 'Display one or many resources.\n\n Prints a table of the most important information about the specified resources. Filter with a label selector (-l). Namespaced types are listed in the current namespace unless -n or -A is given.',
    usage: 'kubectl get [(-o|--output=)json|yaml|name|wide|jsonpath=...|custom-columns=...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]',
    examples: [
      ['List all pods in ps output format', 'kubectl get pods'],
      ['List all pods with more information (such as node name)', 'kubectl get pods -o wide'],
      ['List one service in JSON output format', 'kubectl get -o json svc nginx'],
      ['Print only the pod IP', "kubectl get pod nginx -o jsonpath='{.status.podIP}'"],
      ['List services and endpoints together', 'kubectl get svc,ep'],
      ['Watch pods until Ctrl-C', 'kubectl get pods -w'],
    ],
    options: [
      ['-A, --all-namespaces=false', 'List the requested object(s) across all namespaces.'],
      ['--field-selector=\'\'', 'Selector (field query) to filter on, e.g. spec.nodeName=k8s1.'],
      ['-L, --label-columns=[]', 'Labels to present as columns.'],
      ['--no-headers=false', "Don't print headers."],
      ['-o, --output=\'\'', 'Output format. One of: (json, yaml, name, jsonpath, go-template, custom-columns, wide).'],
      ['-l, --selector=\'\'', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', in, notin.'],
      ['--show-labels=false', 'When printing, show all labels as the last column.'],
      ['--sort-by=\'\'', 'Sort list types using this JSONPath expression.'],
      ['-w, --watch=false', 'After listing/getting the requested object, watch for changes.'],
    ],
  },
  describe: {
    summary: 'Show details of a specific resource or group of resources.\n\n Prints a detailed description of the selected resources, including related resources such as events. A NAME_PREFIX selects every object whose name starts with it.',
    usage: 'kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]',
    examples: [
      ['Describe a node', 'kubectl describe nodes k8s1'],
      ['Describe a pod', 'kubectl describe pods/nginx'],
      ['Describe every service in kube-system', 'kubectl describe svc -n kube-system'],
    ],
    options: [
      ['-A, --all-namespaces=false', 'Describe the requested object(s) across all namespaces.'],
      ['-l, --selector=\'\'', 'Selector (label query) to filter on.'],
      ['--show-events=true', 'If true, display events related to the described object.'],
    ],
  },
  run: {
    summary: 'Create and run a particular image in a pod.',
    usage: 'kubectl run NAME --image=image [--env="key=value"] [--port=port] [--dry-run=server|client] [--command] -- [COMMAND] [args...] [options]',
    examples: [
      ['Start a nginx pod', 'kubectl run nginx --image=nginx'],
      ['Start a nginx pod and let the container expose port 80', 'kubectl run nginx --image=nginx --port=80'],
    ],
    options: [
      ['--image=\'\'', 'The image for the container to run.'],
      ['--port=\'\'', 'The port that this container exposes.'],
      ['-l, --labels=\'\'', 'Comma separated labels to apply to the pod. Default: run=NAME.'],
      ['--env=[]', 'Environment variables to set in the container.'],
      ['--dry-run=\'none\'', 'Must be "none", "server", or "client".'],
      ['-o, --output=\'\'', 'Output format. One of: (json, yaml, name, jsonpath).'],
    ],
  },
  create: {
    summary: 'Create a resource from a file or from stdin, or with a subcommand: deployment, service (clusterip, nodeport, loadbalancer, externalname), namespace.',
    usage: 'kubectl create -f FILENAME [options]\n  kubectl create deployment NAME --image=image [--replicas=N] [--port=P]\n  kubectl create service clusterip|nodeport NAME --tcp=port:targetPort [--node-port=N]',
    examples: [
      ['Create a service from a manifest written in the shell', 'kubectl create -f svc.yaml'],
      ['Create a deployment named nginx', 'kubectl create deployment nginx --image=nginx --replicas=2'],
      ['Create a NodePort service on node port 30450', 'kubectl create service nodeport nginx --tcp=80:80 --node-port=30450'],
    ],
    options: [
      ['-f, --filename=[]', 'Filename or directory of the manifests to create, - for stdin.'],
      ['--dry-run=\'none\'', 'Must be "none", "server", or "client".'],
      ['-o, --output=\'\'', 'Output format. One of: (json, yaml, name, jsonpath).'],
      ['--save-config=false', 'Record the configuration in the last-applied annotation.'],
    ],
  },
  expose: {
    summary: 'Expose a resource as a new Kubernetes service.\n\n Looks up a pod, deployment, replica set or service by name and uses its selector (or labels) as the selector of a new service on the given port. Without --port, the ports are copied from the resource.',
    usage: 'kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]',
    examples: [
      ['Create a service for a pod on port 3000 that forwards to 80', 'kubectl expose pod nginx --name=my-nginx-svc --port=3000 --target-port=80'],
      ['Expose a deployment on a node port', 'kubectl expose deployment nginx --type=NodePort --port=80'],
    ],
    options: [
      ['--name=\'\'', 'The name for the newly created object.'],
      ['--port=\'\'', 'The port that the service should serve on.'],
      ['--protocol=\'\'', "The network protocol for the service. Default is 'TCP'."],
      ['--target-port=\'\'', 'Name or number for the port on the container that the service should direct traffic to.'],
      ['--type=\'\'', "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'."],
      ['--selector=\'\'', 'A label selector to use for this service.'],
    ],
  },
  apply: {
    summary: 'Apply a configuration to a resource by file name or stdin. The resource is created if it does not exist yet.',
    usage: 'kubectl apply (-f FILENAME | -k DIRECTORY) [options]',
    examples: [
      ['Apply the configuration in svc.yaml', 'kubectl apply -f svc.yaml'],
      ['Apply the YAML passed into stdin', 'cat svc.yaml | kubectl apply -f -'],
    ],
    options: [
      ['-f, --filename=[]', 'The files that contain the configurations to apply, - for stdin.'],
      ['--dry-run=\'none\'', 'Must be "none", "server", or "client".'],
      ['-o, --output=\'\'', 'Output format. One of: (json, yaml, name, jsonpath).'],
    ],
  },
  delete: {
    summary: 'Delete resources by file names, stdin, resources and names, or by resources and label selector.',
    usage: "kubectl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [options]",
    examples: [
      ['Delete a service', 'kubectl delete service my-nginx-svc'],
      ['Delete what a manifest created', 'kubectl delete -f svc.yaml'],
      ['Delete pods with the label app=nginx', 'kubectl delete pods -l app=nginx'],
    ],
    options: [
      ['--all=false', 'Delete all resources of the given types in the namespace.'],
      ['-f, --filename=[]', 'Files of the resources to delete.'],
      ['--ignore-not-found=false', 'Treat "resource not found" as a successful delete.'],
      ['-l, --selector=\'\'', 'Selector (label query) to filter on.'],
      ['--grace-period=-1', 'Seconds given to the resource to terminate gracefully.'],
    ],
  },
  scale: {
    summary: 'Set a new size for a deployment or replica set.',
    usage: 'kubectl scale [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]',
    examples: [['Scale the deployment nginx to 3 replicas', 'kubectl scale --replicas=3 deployment/nginx']],
    options: [
      ['--replicas=-1', 'The new desired number of replicas. Required.'],
      ['--current-replicas=-1', 'Precondition: the current size must be this.'],
    ],
  },
  patch: {
    summary: 'Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.',
    usage: 'kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]',
    examples: [
      ['Turn a service into a NodePort service', 'kubectl patch svc nginx -p \'{"spec":{"type":"NodePort"}}\''],
      ['Pick its node port', 'kubectl patch svc nginx --type=json -p \'[{"op":"replace","path":"/spec/ports/0/nodePort","value":30450}]\''],
      ['Keep external traffic on the receiving node', 'kubectl patch svc nginx -p \'{"spec":{"externalTrafficPolicy":"Local"}}\''],
    ],
    options: [
      ['-p, --patch=\'\'', 'The patch to be applied to the resource JSON (or YAML) file.'],
      ['--patch-file=\'\'', 'A file containing a patch to be applied to the resource.'],
      ['--type=\'strategic\'', 'The type of patch being provided; one of [json merge strategic].'],
    ],
  },
  edit: {
    summary: 'Edit a resource. This lab has no text editor: use kubectl patch, or kubectl get -o yaml, a here-doc and kubectl apply -f.',
    usage: 'kubectl edit (RESOURCE/NAME | -f FILENAME) [options]',
    examples: [['Change a field without an editor', 'kubectl patch svc nginx -p \'{"spec":{"type":"NodePort"}}\'']],
    options: [],
  },
  logs: {
    summary: 'Print the logs for a container in a pod or specified resource. If the pod has only one container, the container name is optional.',
    usage: 'kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]',
    examples: [
      ["Return snapshot logs from kube-proxy", 'kubectl logs kube-proxy-brrvs -n kube-system'],
      ['Logs of the previous, terminated container', 'kubectl logs -p kube-proxy-brrvs -n kube-system'],
      ['Begin streaming the logs', 'kubectl logs -f nginx'],
    ],
    options: [
      ['-c, --container=\'\'', 'Print the logs of this container.'],
      ['-f, --follow=false', 'Specify if the logs should be streamed.'],
      ['-p, --previous=false', 'Print the logs for the previous instance of the container, if it exists.'],
      ['--tail=-1', 'Lines of recent log file to display.'],
    ],
  },
  exec: {
    summary: 'Execute a command in a container.',
    usage: 'kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]',
    examples: [['Run hostname in pod nginx', 'kubectl exec nginx -- hostname']],
    options: [
      ['-c, --container=\'\'', 'Container name. Defaults to the first container.'],
      ['-i, --stdin=false', 'Pass stdin to the container.'],
      ['-t, --tty=false', 'Stdin is a TTY.'],
    ],
  },
  label: {
    summary: 'Update the labels on a resource. A label ending in a dash (app-) is removed.',
    usage: 'kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]',
    examples: [['Label a pod so a service selects it', 'kubectl label pod nginx app=nginx'], ['Remove the label app', 'kubectl label pod nginx app-']],
    options: [['--overwrite=false', 'If true, allow labels to be overwritten.']],
  },
  annotate: {
    summary: 'Update the annotations on a resource.',
    usage: 'kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]',
    examples: [['Annotate a service', 'kubectl annotate svc nginx description="my frontend"']],
    options: [['--overwrite=false', 'If true, allow annotations to be overwritten.']],
  },
  wait: {
    summary: 'Wait for a specific condition on one or many resources (simulated time passes while it waits).',
    usage: "kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]",
    examples: [['Wait for the pod "nginx" to be Ready', 'kubectl wait --for=condition=Ready pod/nginx'], ['Wait for the pod "nginx" to be deleted', 'kubectl wait --for=delete pod/nginx --timeout=60s']],
    options: [['--for=\'\'', 'The condition to wait on: [delete|condition=condition-name[=condition-value]|jsonpath=\'{JSONPath expression}\'=[JSONPath value]].'], ['--timeout=30s', 'The length of time to wait before giving up.']],
  },
  rollout: {
    summary: 'Show the status of the rollout of a deployment or daemon set (only "rollout status" is available here).',
    usage: 'kubectl rollout status (TYPE NAME | TYPE/NAME) [flags] [options]',
    examples: [['Watch the rollout status of a deployment', 'kubectl rollout status deployment/nginx']],
    options: [['--timeout=0s', 'The length of time to wait before ending watch, zero means never.']],
  },
  version: {
    summary: 'Print the client and server version information for the current context.',
    usage: 'kubectl version [flags] [options]',
    examples: [['Print the client and server versions', 'kubectl version']],
    options: [
      ['--client=false', 'If true, shows client version only (no server required).'],
      ['-o, --output=\'\'', "One of 'yaml' or 'json'."],
    ],
  },
  'cluster-info': {
    summary: 'Display addresses of the control plane and services with label kubernetes.io/cluster-service=true.',
    usage: 'kubectl cluster-info [flags] [options]',
    examples: [['Print the address of the control plane and cluster services', 'kubectl cluster-info']],
    options: [],
  },
  'api-resources': {
    summary: 'Print the supported API resources on the server.',
    usage: 'kubectl api-resources [flags] [options]',
    examples: [['Print the supported API resources', 'kubectl api-resources']],
    options: [['--namespaced=true', 'If false, non-namespaced resources will be returned.']],
  },
};

export function helpFor(cmd: string, _args: string[] = []): string {
  const h = HELP[cmd];
  if (h === undefined) return rootHelp();
  let s = `${h.summary}\n\nExamples:\n`;
  s += h.examples.map(([what, how]) => `  # ${what}\n  ${how}`).join('\n  \n');
  s += '\n\n';
  if (h.options.length > 0) s += `Options:\n${h.options.map(([o, d]) => `    ${o}:\n\t${d}`).join('\n\n')}\n\n`;
  s += `Usage:\n  ${h.usage}\n\nUse "kubectl options" for a list of global command-line options (applies to all commands).\n`;
  return s;
}

export function rootHelp(): string {
  const line = (c: string, d: string): string => `  ${c.padEnd(15)}${d}\n`;
  return (
    'kubectl controls the Kubernetes cluster manager.\n\n' +
    ' This lab runs a simulated cluster; the commands below are the ones it supports.\n\n' +
    'Basic Commands (Beginner):\n' +
    line('create', 'Create a resource from a file or from stdin') +
    line('expose', 'Take a pod, deployment or service and expose it as a new Kubernetes service') +
    line('run', 'Run a particular image on the cluster') +
    '\nBasic Commands (Intermediate):\n' +
    line('get', 'Display one or many resources') +
    line('edit', 'Edit a resource on the server (not available here: use patch or apply)') +
    line('delete', 'Delete resources by file names, stdin, resources and names, or by resources and label selector') +
    '\nDeploy Commands:\n' +
    line('rollout', 'Show the status of a rollout') +
    line('scale', 'Set a new size for a deployment or replica set') +
    '\nCluster Management Commands:\n' +
    line('cluster-info', 'Display cluster information') +
    '\nTroubleshooting and Debugging Commands:\n' +
    line('describe', 'Show details of a specific resource or group of resources') +
    line('logs', 'Print the logs for a container in a pod') +
    line('exec', 'Execute a command in a container') +
    line('wait', 'Wait for a specific condition on one or many resources') +
    line('events', 'List events') +
    '\nAdvanced Commands:\n' +
    line('apply', 'Apply a configuration to a resource by file name or stdin') +
    line('patch', 'Update fields of a resource') +
    line('replace', 'Replace a resource by file name or stdin') +
    '\nSettings Commands:\n' +
    line('label', 'Update the labels on a resource') +
    line('annotate', 'Update the annotations on a resource') +
    '\nOther Commands:\n' +
    line('api-resources', 'Print the supported API resources on the server') +
    line('version', 'Print the client and server version information') +
    '\nUsage:\n  kubectl [flags] [options]\n\n' +
    'Use "kubectl <command> --help" for more information about a given command.\n'
  );
}
