/**
 * Real kubectl 1.32 against `k8ts server`: table columns of the kinds the
 * create generators do not make (storage, networking, node, coordination,
 * admission, workloads), nodes' ROLES and taint/cordon messages, apply's
 * created / unchanged / configured, and explain's layouts, as upstream.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, type TestCluster } from "./harness.ts";
import { header, row, startClusterWithNamespace } from "./kubectl-parity-fixture.ts";

let cluster: TestCluster;
const NS = "par";

before(async () => (cluster = await startClusterWithNamespace(NS)));
after(() => cluster?.stop());
/** kubectl in the test namespace; fails the test on a non-zero exit. */
const k = (...args: string[]) => cluster.kubectlOk(["-n", NS, ...args]);

describe("tables of the remaining kinds have upstream's columns", () => {
  test("storage, networking, node, coordination, admission and workload kinds", async () => {
    const manifest = [
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: par-sc}\nprovisioner: example.com/x\n",
      "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: par-pv}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /tmp/par-pv}\n",
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pvc, namespace: ${NS}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n`,
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: ${NS}}\nspec:\n  podSelector: {matchLabels: {app: web}}\n`,
      "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: par-ic}\nspec: {controller: example.com/ic}\n",
      "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: par-rc}\nhandler: runc\n",
      `apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lease, namespace: ${NS}}\nspec: {holderIdentity: me}\n`,
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: par-vwc}\n",
      "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: par-mwc}\n",
      `apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: ${NS}}\nspec:\n  limits: [{type: Container, default: {cpu: 100m}}]\n`,
      `apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc, namespace: ${NS}}\nspec:\n  replicas: 0\n  selector: {app: rc}\n  template:\n    metadata: {labels: {app: rc}}\n    spec: {containers: [{name: c, image: busybox}]}\n`,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: sts, namespace: ${NS}}\nspec:\n  replicas: 0\n  serviceName: sts\n  selector: {matchLabels: {app: sts}}\n  template:\n    metadata: {labels: {app: sts}}\n    spec: {containers: [{name: c, image: busybox}]}\n`,
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds, namespace: ${NS}}\nspec:\n  selector: {matchLabels: {app: ds}}\n  template:\n    metadata: {labels: {app: ds}}\n    spec: {containers: [{name: c, image: busybox}]}\n`,
    ].join("---\n");
    const created = await cluster.kubectlOk(["create", "-f", "-"], { input: manifest });
    assert.equal(created.trim().split("\n").length, 13, created);
    // This namespace's own service (for its Endpoints) and deployment (for events: its scaling).
    await k("create", "service", "clusterip", "svc-a", "--tcp=80:8080");
    await k("create", "deployment", "web", "--image=nginx:1.25");
    await eventually("svc-a's Endpoints and an event", async () => {
      const endpoints = await cluster.kubectl(["-n", NS, "get", "endpoints", "svc-a"]);
      return endpoints.code === 0 && (await k("get", "events")).trim() !== "";
    });
    const cases: [string[], string[]][] = [
      [
        ["get", "storageclass", "par-sc"],
        [
          "NAME",
          "PROVISIONER",
          "RECLAIMPOLICY",
          "VOLUMEBINDINGMODE",
          "ALLOWVOLUMEEXPANSION",
          "AGE",
        ],
      ],
      [
        ["get", "pv", "par-pv"],
        [
          "NAME",
          "CAPACITY",
          "ACCESS MODES",
          "RECLAIM POLICY",
          "STATUS",
          "CLAIM",
          "STORAGECLASS",
          "VOLUMEATTRIBUTESCLASS",
          "REASON",
          "AGE",
        ],
      ],
      [
        ["-n", NS, "get", "pvc", "pvc"],
        [
          "NAME",
          "STATUS",
          "VOLUME",
          "CAPACITY",
          "ACCESS MODES",
          "STORAGECLASS",
          "VOLUMEATTRIBUTESCLASS",
          "AGE",
        ],
      ],
      [
        ["-n", NS, "get", "networkpolicy", "np"],
        ["NAME", "POD-SELECTOR", "AGE"],
      ],
      [
        ["get", "ingressclass", "par-ic"],
        ["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
      ],
      [
        ["get", "runtimeclass", "par-rc"],
        ["NAME", "HANDLER", "AGE"],
      ],
      [
        ["-n", NS, "get", "lease", "lease"],
        ["NAME", "HOLDER", "AGE"],
      ],
      [
        ["get", "validatingwebhookconfigurations", "par-vwc"],
        ["NAME", "WEBHOOKS", "AGE"],
      ],
      [
        ["get", "mutatingwebhookconfigurations", "par-mwc"],
        ["NAME", "WEBHOOKS", "AGE"],
      ],
      [
        ["-n", NS, "get", "limitrange", "lr"],
        ["NAME", "CREATED AT"],
      ],
      [
        ["-n", NS, "get", "rc", "rc"],
        ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
      ],
      [
        ["-n", NS, "get", "sts", "sts"],
        ["NAME", "READY", "AGE"],
      ],
      [
        ["-n", NS, "get", "ds", "ds"],
        ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
      ],
      [
        ["-n", NS, "get", "endpoints", "svc-a"],
        ["NAME", "ENDPOINTS", "AGE"],
      ],
      [
        ["-n", NS, "get", "events"],
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
      ],
      [
        ["get", "apiservices", "v1.apps"],
        ["NAME", "SERVICE", "AVAILABLE", "AGE"],
      ],
      [
        ["get", "ns", NS],
        ["NAME", "STATUS", "AGE"],
      ],
    ];
    for (const [args, want] of cases) {
      assert.deepEqual(header(await cluster.kubectlOk(args)), want, args.join(" "));
    }
    assert.deepEqual(
      row(await cluster.kubectlOk(["-n", NS, "get", "networkpolicy", "np"]), "np")[1],
      "app=web",
    );
    assert.deepEqual(
      row(await cluster.kubectlOk(["-n", NS, "get", "lease", "lease"]), "lease")[1],
      "me",
    );
    assert.deepEqual(
      row(await cluster.kubectlOk(["get", "apiservices", "v1.apps"]), "v1.apps").slice(1, 3),
      ["Local", "True"],
    );
    const revisions = await eventually("the daemon set's ControllerRevision", async () => {
      const out = await cluster.kubectlOk(["-n", NS, "get", "controllerrevisions"]);
      return /^ds-/m.test(out) ? out : undefined;
    });
    assert.deepEqual(header(revisions), ["NAME", "CONTROLLER", "REVISION", "AGE"]);
    assert.match(revisions, /^ds-\S+\s+daemonset\.apps\/ds\s+1\s+/m);
  });
});

describe("get output formats", () => {
  test("nodes: ROLES from labels, cordoned status, wide columns", async () => {
    const node =
      "apiVersion: v1\nkind: Node\nmetadata:\n  name: par-node\n  labels:\n    node-role.kubernetes.io/worker: ''\n";
    assert.equal(
      (await cluster.kubectlOk(["create", "-f", "-"], { input: node })).trim(),
      "node/par-node created",
    );
    const wide = await cluster.kubectlOk(["get", "node", "par-node", "-o", "wide"]);
    assert.deepEqual(header(wide), [
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    assert.equal(row(wide, "par-node")[2], "worker");
  });
});

describe("verbs on existing objects", () => {
  test("apply created / unchanged / configured, replace, delete", async () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ap\ndata:\n  k: v\n";
    const apply = (input: string) => cluster.kubectlOk(["-n", NS, "apply", "-f", "-"], { input });
    assert.equal((await apply(cm)).trim(), "configmap/ap created");
    assert.equal((await apply(cm)).trim(), "configmap/ap unchanged");
    assert.equal((await apply(cm.replace("k: v", "k: w"))).trim(), "configmap/ap configured");
    const replaced = await cluster.kubectlOk(["-n", NS, "replace", "-f", "-"], { input: cm });
    assert.equal(replaced.trim(), "configmap/ap replaced");
    assert.equal((await k("delete", "cm", "ap")).trim(), 'configmap "ap" deleted');
  });

  test("taint, cordon, uncordon a node", async () => {
    const kc = (...args: string[]) => cluster.kubectlOk(args).then((o) => o.trim());
    assert.equal(
      await kc("taint", "nodes", "par-node", "key=val:NoSchedule"),
      "node/par-node tainted",
    );
    assert.equal(
      await kc("taint", "nodes", "par-node", "key=val:NoSchedule-"),
      "node/par-node untainted",
    );
    assert.equal(await kc("cordon", "par-node"), "node/par-node cordoned");
    assert.equal(await kc("cordon", "par-node"), "node/par-node already cordoned");
    assert.match(row(await kc("get", "node", "par-node"), "par-node")[1]!, /,SchedulingDisabled$/);
    assert.equal(await kc("uncordon", "par-node"), "node/par-node uncordoned");
    assert.equal(await kc("uncordon", "par-node"), "node/par-node already uncordoned");
  });
});

describe("describe and explain", () => {
  test("explain a field path and a kind --recursive", async () => {
    const field = await cluster.kubectlOk(["explain", "deployment.spec.strategy"]);
    assert.match(
      field,
      /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: strategy <DeploymentStrategy>\n/,
    );
    assert.match(field, /^FIELDS:\n\s+rollingUpdate\t<RollingUpdateDeployment>$/m);
    const rec = await cluster.kubectlOk(["explain", "cronjob", "--recursive"]);
    assert.match(rec, /^KIND:\s+CronJob$/m);
    assert.match(rec, /^\s+jobTemplate\t<JobTemplateSpec> -required-$/m);
    assert.match(rec, /^\s+schedule\t<string> -required-$/m);
  });
});
