/**
 * Real kubectl 1.32 against `k8ts server`: every command of the kubectl
 * notes that needs no running node, asserting the output shape upstream
 * prints: `<resource>.<group>/<name> <verb>` messages, table headers (plain
 * and wide) as upstream's printers, describe and explain layouts, watch
 * output, and the 400 texts of wrongly typed values.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
const NS = "par";

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlOk(["create", "namespace", NS]);
});
after(async () => {
  await cluster?.stop();
});

/** kubectl in the test namespace; fails the test on a non-zero exit. */
function k(...args: string[]): Promise<string> {
  return cluster.kubectlOk(["-n", NS, ...args]);
}

/** The column names of a kubectl table (its first line). */
function header(out: string): string[] {
  return out
    .split("\n")[0]!
    .trim()
    .split(/\s{2,}/);
}

/** The cells of the row whose first cell is `name`. */
function row(out: string, name: string): string[] {
  const line = out.split("\n").find((l) => l.split(/\s{2,}/)[0] === name);
  assert.ok(line, `no row ${name} in:\n${out}`);
  return line.trim().split(/\s{2,}/);
}

describe("kubectl create generators print upstream's messages and tables", () => {
  const cases: { args: string[]; message: string; get: string[]; header: string[] }[] = [
    {
      args: ["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"],
      message: "deployment.apps/web created",
      get: ["get", "deploy", "web"],
      header: ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    },
    {
      args: ["create", "service", "clusterip", "svc-a", "--tcp=80:8080"],
      message: "service/svc-a created",
      get: ["get", "svc", "svc-a"],
      header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    },
    {
      args: ["create", "service", "nodeport", "svc-b", "--tcp=80:8080"],
      message: "service/svc-b created",
      get: ["get", "svc", "svc-b"],
      header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    },
    {
      args: ["create", "service", "loadbalancer", "svc-c", "--tcp=80:8080"],
      message: "service/svc-c created",
      get: ["get", "svc", "svc-c"],
      header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    },
    {
      args: ["create", "service", "externalname", "svc-d", "--external-name=example.com"],
      message: "service/svc-d created",
      get: ["get", "svc", "svc-d"],
      header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    },
    {
      args: ["create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=2"],
      message: "configmap/cfg created",
      get: ["get", "cm", "cfg"],
      header: ["NAME", "DATA", "AGE"],
    },
    {
      args: ["create", "secret", "generic", "gen", "--from-literal=user=admin"],
      message: "secret/gen created",
      get: ["get", "secret", "gen"],
      header: ["NAME", "TYPE", "DATA", "AGE"],
    },
    {
      args: [
        "create",
        "secret",
        "docker-registry",
        "reg",
        "--docker-server=registry.example.com",
        "--docker-username=u",
        "--docker-password=p",
      ],
      message: "secret/reg created",
      get: ["get", "secret", "reg"],
      header: ["NAME", "TYPE", "DATA", "AGE"],
    },
    {
      args: [
        "create",
        "cronjob",
        "hello",
        "--schedule=*/1 * * * *",
        "--image=busybox",
        "--",
        "/bin/sh",
        "-c",
        "date; echo Hello",
      ],
      message: "cronjob.batch/hello created",
      get: ["get", "cronjob", "hello"],
      header: ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
    },
    {
      args: ["create", "job", "once", "--image=busybox", "--", "true"],
      message: "job.batch/once created",
      get: ["get", "job", "once"],
      header: ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
    },
    {
      args: ["create", "job", "from-cron", "--from=cronjob/hello"],
      message: "job.batch/from-cron created",
      get: ["get", "job", "from-cron"],
      header: ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
    },
    {
      args: ["create", "role", "reader", "--verb=get,list", "--resource=pods"],
      message: "role.rbac.authorization.k8s.io/reader created",
      get: ["get", "role", "reader"],
      header: ["NAME", "CREATED AT"],
    },
    {
      args: ["create", "rolebinding", "rb", "--role=reader", "--user=alice"],
      message: "rolebinding.rbac.authorization.k8s.io/rb created",
      get: ["get", "rolebinding", "rb"],
      header: ["NAME", "ROLE", "AGE"],
    },
    {
      args: ["create", "clusterrole", "par-reader", "--verb=get", "--resource=nodes"],
      message: "clusterrole.rbac.authorization.k8s.io/par-reader created",
      get: ["get", "clusterrole", "par-reader"],
      header: ["NAME", "CREATED AT"],
    },
    {
      args: ["create", "clusterrolebinding", "par-crb", "--clusterrole=par-reader", "--group=devs"],
      message: "clusterrolebinding.rbac.authorization.k8s.io/par-crb created",
      get: ["get", "clusterrolebinding", "par-crb"],
      header: ["NAME", "ROLE", "AGE"],
    },
    {
      args: ["create", "quota", "q", "--hard=pods=10,cpu=2"],
      message: "resourcequota/q created",
      get: ["get", "quota", "q"],
      header: ["NAME", "REQUEST", "LIMIT", "AGE"],
    },
    {
      args: ["create", "priorityclass", "par-high", "--value=1000", "--description=test"],
      message: "priorityclass.scheduling.k8s.io/par-high created",
      get: ["get", "priorityclass", "par-high"],
      header: ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
    },
    {
      args: ["create", "pdb", "pdb", "--selector=app=web", "--min-available=1"],
      message: "poddisruptionbudget.policy/pdb created",
      get: ["get", "pdb", "pdb"],
      header: ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
    },
    {
      args: ["create", "ingress", "ing", "--rule=foo.com/bar=svc-a:80"],
      message: "ingress.networking.k8s.io/ing created",
      get: ["get", "ingress", "ing"],
      header: ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
    },
    {
      args: ["create", "serviceaccount", "sa"],
      message: "serviceaccount/sa created",
      get: ["get", "sa", "sa"],
      header: ["NAME", "SECRETS", "AGE"],
    },
  ];
  for (const c of cases) {
    test(c.args.slice(0, 3).join(" "), async () => {
      assert.equal((await k(...c.args)).trim(), c.message);
      assert.deepEqual(header(await k(...c.get)), c.header);
    });
  }

  test("create secret tls from a certificate and key", async () => {
    const crt = join(cluster.dataDir, "tls.crt");
    const key = join(cluster.dataDir, "tls.key");
    await promisify(execFile)("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
      ...["-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=parity"],
    ]);
    assert.equal(
      (await k("create", "secret", "tls", "tls", `--cert=${crt}`, `--key=${key}`)).trim(),
      "secret/tls created",
    );
    assert.deepEqual(row(await k("get", "secret", "tls"), "tls").slice(1, 3), [
      "kubernetes.io/tls",
      "2",
    ]);
  });

  test("create token prints a JWT; expose and autoscale", async () => {
    assert.match((await k("create", "token", "sa")).trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(
      (await k("expose", "deployment", "web", "--port=80", "--name=web-svc")).trim(),
      "service/web-svc exposed",
    );
    assert.equal(
      (await k("autoscale", "deployment", "web", "--min=1", "--max=3", "--cpu-percent=50")).trim(),
      "horizontalpodautoscaler.autoscaling/web autoscaled",
    );
    const hpa = await k("get", "hpa", "web");
    assert.deepEqual(header(hpa), [
      "NAME",
      "REFERENCE",
      "TARGETS",
      "MINPODS",
      "MAXPODS",
      "REPLICAS",
      "AGE",
    ]);
    assert.deepEqual(row(hpa, "web").slice(1, 5), [
      "Deployment/web",
      "cpu: <unknown>/50%",
      "1",
      "3",
    ]);
  });

  test("autoscale without --cpu-percent targets the default 80% CPU", async () => {
    await k("create", "deployment", "plain", "--image=busybox");
    assert.equal(
      (await k("autoscale", "deployment", "plain", "--max=2")).trim(),
      "horizontalpodautoscaler.autoscaling/plain autoscaled",
    );
    assert.equal(row(await k("get", "hpa", "plain"), "plain")[2], "cpu: <unknown>/80%");
  });

  test("cells as upstream prints them", async () => {
    assert.deepEqual(row(await k("get", "svc", "svc-d"), "svc-d").slice(1, 5), [
      "ExternalName",
      "<none>",
      "example.com",
      "<none>",
    ]);
    assert.match(row(await k("get", "svc", "svc-b"), "svc-b")[4]!, /^80:3\d{4}\/TCP$/);
    assert.deepEqual(row(await k("get", "secret", "reg"), "reg").slice(1, 3), [
      "kubernetes.io/dockerconfigjson",
      "1",
    ]);
    assert.deepEqual(row(await k("get", "pdb", "pdb"), "pdb").slice(1, 3), ["1", "N/A"]);
    assert.deepEqual(row(await k("get", "ingress", "ing"), "ing").slice(1, 4), [
      "<none>",
      "foo.com",
      "80",
    ]);
    assert.deepEqual(row(await k("get", "rolebinding", "rb"), "rb")[1], "Role/reader");
    assert.deepEqual(row(await k("get", "cronjob", "hello"), "hello").slice(1, 4), [
      "*/1 * * * *",
      "<none>",
      "False",
    ]);
  });

  test("services made by kubectl get their EndpointSlices (port names like 80-8080)", async () => {
    const out = await eventually("slices of svc-a and svc-b", async () => {
      const o = await k(
        "get",
        "endpointslices",
        "-l",
        "kubernetes.io/service-name in (svc-a,svc-b)",
      );
      return o.split("\n").filter((l) => /^svc-[ab]-/.test(l)).length === 2 ? o : undefined;
    });
    assert.deepEqual(header(out), ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]);
  });
});

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
  test("wide, name, jsonpath, custom-columns, go-template, yaml, json", async () => {
    const wide = await k("get", "deploy", "web", "-o", "wide");
    assert.deepEqual(header(wide), [
      "NAME",
      "READY",
      "UP-TO-DATE",
      "AVAILABLE",
      "AGE",
      "CONTAINERS",
      "IMAGES",
      "SELECTOR",
    ]);
    assert.deepEqual(row(wide, "web").slice(5), ["nginx", "nginx:1.25", "app=web"]);
    assert.deepEqual(header(await k("get", "svc", "svc-a", "-o", "wide")), [
      "NAME",
      "TYPE",
      "CLUSTER-IP",
      "EXTERNAL-IP",
      "PORT(S)",
      "AGE",
      "SELECTOR",
    ]);
    assert.deepEqual(header(await k("get", "rs", "-o", "wide")), [
      "NAME",
      "DESIRED",
      "CURRENT",
      "READY",
      "AGE",
      "CONTAINERS",
      "IMAGES",
      "SELECTOR",
    ]);
    assert.deepEqual(header(await k("get", "job", "once", "-o", "wide")), [
      "NAME",
      "STATUS",
      "COMPLETIONS",
      "DURATION",
      "AGE",
      "CONTAINERS",
      "IMAGES",
      "SELECTOR",
    ]);
    assert.deepEqual(header(await k("get", "rolebinding", "rb", "-o", "wide")), [
      "NAME",
      "ROLE",
      "AGE",
      "USERS",
      "GROUPS",
      "SERVICEACCOUNTS",
    ]);
    const names = (await k("get", "deploy,svc,cm", "-o", "name")).trim().split("\n");
    for (const n of ["deployment.apps/web", "service/svc-a", "configmap/cfg"]) {
      assert.ok(names.includes(n), `${n} in ${names.join(",")}`);
    }
    assert.equal(
      await k("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"),
      "nginx:1.25",
    );
    assert.equal(
      await k(
        "get",
        "deploy",
        "web",
        "-o",
        "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas",
      ),
      "NAME   REPLICAS\nweb    2\n",
    );
    assert.equal(
      await k("get", "cm", "cfg", "-o", 'go-template={{.metadata.name}}:{{.data.b}}{{"\\n"}}'),
      "cfg:2\n",
    );
    const yaml = await k("get", "deploy", "web", "-o", "yaml");
    assert.match(yaml, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n/);
    const json = JSON.parse(await k("get", "deploy", "web", "-o", "json"));
    assert.equal(json.spec.template.spec.containers[0].image, "nginx:1.25");
    const list = JSON.parse(await k("get", "cm", "-o", "json"));
    assert.equal(list.kind, "List");
    assert.ok(list.items.every((i: { kind: string }) => i.kind === "ConfigMap"));
  });

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

  test("scale, label, annotate, set image/env/resources, rollout history", async () => {
    assert.equal(
      (await k("scale", "deployment", "web", "--replicas=3")).trim(),
      "deployment.apps/web scaled",
    );
    assert.equal(
      (await k("label", "deploy", "web", "tier=fe")).trim(),
      "deployment.apps/web labeled",
    );
    assert.equal(
      (await k("label", "deploy", "web", "tier-")).trim(),
      "deployment.apps/web unlabeled",
    );
    assert.equal(
      (await k("annotate", "deploy", "web", "note=x")).trim(),
      "deployment.apps/web annotated",
    );
    assert.equal(
      (await k("set", "image", "deployment/web", "nginx=nginx:1.26")).trim(),
      "deployment.apps/web image updated",
    );
    assert.equal(
      (await k("set", "env", "deployment/web", "A=1")).trim(),
      "deployment.apps/web env updated",
    );
    assert.equal(
      (await k("set", "resources", "deployment/web", "--limits=cpu=200m,memory=256Mi")).trim(),
      "deployment.apps/web resource requirements updated",
    );
    const history = await eventually("three revisions", async () => {
      const out = await k("rollout", "history", "deployment/web");
      return /^3\s+<none>$/m.test(out) ? out : undefined;
    });
    assert.match(
      history,
      /^deployment\.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+<none>\n/,
    );
    const rev2 = await k("rollout", "history", "deployment/web", "--revision=2");
    assert.match(rev2, /^deployment\.apps\/web with revision #2\nPod Template:\n/);
    assert.match(rev2, /Image:\s+nginx:1\.26/);
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
  test("describe deployment, service, configmap, secret, namespace, serviceaccount", async () => {
    const deploy = await k("describe", "deploy", "web");
    for (const re of [
      /^Name:\s+web$/m,
      /^Namespace:\s+par$/m,
      /^Selector:\s+app=web$/m,
      /^Replicas:\s+3 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable$/m,
      /^StrategyType:\s+RollingUpdate$/m,
      /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m,
      /^Pod Template:$/m,
      /^Conditions:$/m,
      /^NewReplicaSet:\s+web-[a-z0-9]+ \(\d+\/\d+ replicas created\)$/m,
    ]) {
      assert.match(deploy, re);
    }
    const svc = await k("describe", "svc", "svc-b");
    for (const re of [
      /^Type:\s+NodePort$/m,
      /^Port:\s+80-8080\s+80\/TCP$/m,
      /^TargetPort:\s+8080\/TCP$/m,
      /^NodePort:\s+80-8080\s+3\d{4}\/TCP$/m,
    ]) {
      assert.match(svc, re);
    }
    assert.match(await k("describe", "cm", "cfg"), /^Data\n====\n(?:.*\n)*?a:\n----\n1\n/m);
    assert.match(
      await k("describe", "secret", "gen"),
      /^Type:\s+Opaque\n\nData\n====\nuser:\s+5 bytes$/m,
    );
    const ns = await cluster.kubectlOk(["describe", "ns", NS]);
    assert.match(ns, /^Status:\s+Active$/m);
    assert.match(ns, /^Resource Quotas\n\s+Name:\s+q\n/m);
    assert.match(await k("describe", "sa", "sa"), /^Mountable secrets:\s+<none>$/m);
  });

  test("describe job, cronjob, ingress, pdb, hpa, pod", async () => {
    const job = await k("describe", "job", "once");
    for (const re of [
      /^Completion Mode:\s+NonIndexed$/m,
      /^Backoff Limit:\s+6$/m,
      /^Pods Statuses:\s+\d+ Active \(\d+ Ready\) \/ \d+ Succeeded \/ \d+ Failed$/m,
    ]) {
      assert.match(job, re);
    }
    const cj = await k("describe", "cronjob", "hello");
    assert.match(cj, /^Schedule:\s+\*\/1 \* \* \* \*$/m);
    assert.match(cj, /^Concurrency Policy:\s+Allow$/m);
    assert.match(cj, /^Successful Job History Limit:\s+3$/m);
    const ing = await k("describe", "ingress", "ing");
    assert.match(ing, /^Rules:\n\s+Host\s+Path\s+Backends\n/m);
    assert.match(ing, /^\s+\/bar\s+svc-a:80 /m);
    const pdb = await k("describe", "pdb", "pdb");
    assert.match(pdb, /^Min available:\s+1$/m);
    assert.match(pdb, /^Selector:\s+app=web$/m);
    const hpa = await k("describe", "hpa", "web");
    assert.match(hpa, /^Reference:\s+Deployment\/web$/m);
    assert.match(hpa, /^Max replicas:\s+3$/m);
    const pod = (await k("get", "pods", "-l", "app=web", "-o", "name")).split("\n")[0]!;
    const described = await k("describe", pod);
    for (const re of [
      /^Status:\s+Pending$/m,
      /^QoS Class:\s+(BestEffort|Burstable|Guaranteed)$/m,
      /^Containers:\n\s+nginx:$/m,
    ]) {
      assert.match(described, re);
    }
  });

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

describe("watch and decode errors", () => {
  test("watch Tables carry the column definitions on the first event only", async () => {
    await k("create", "configmap", "w1");
    await k("create", "configmap", "w2");
    await k("label", "cm", "w1", "w2", "grp=watch");
    const res = await cluster.request(
      "GET",
      `/api/v1/namespaces/${NS}/configmaps?watch=true&labelSelector=grp%3Dwatch&timeoutSeconds=1`,
      undefined,
      { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
    );
    assert.equal(res.status, 200, res.body);
    const events = res.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(events.length, 2, res.body);
    assert.deepEqual(
      events[0].object.columnDefinitions.map((c: { name: string }) => c.name),
      ["Name", "Data", "Age"],
    );
    assert.equal(events[1].object.kind, "Table");
    assert.equal(events[1].object.columnDefinitions, null);
    assert.equal(events[1].object.rows.length, 1);
  });

  test("kubectl get -w prints the header once and rows for later changes", async () => {
    const watch = cluster.kubectlStream(["-n", NS, "get", "cm", "-l", "grp=watch", "-w"]);
    try {
      await watch.waitFor(/^w2\s+0\s+/);
      await k("create", "configmap", "w3", "--from-literal=x=1");
      await k("label", "cm", "w3", "grp=watch");
      await watch.waitFor(/^w3\s+1\s+/);
    } finally {
      await watch.stop();
    }
    const lines = watch
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "");
    assert.deepEqual(header(lines[0]!), ["NAME", "DATA", "AGE"]);
    assert.equal(lines.filter((l) => l.startsWith("NAME")).length, 1, watch.output());
  });

  test("wrongly typed values are 400s with upstream's decode errors", async () => {
    const deployment = (container: string, replicas = "1") =>
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: typed}",
        "spec:",
        `  replicas: ${replicas}`,
        "  selector: {matchLabels: {app: typed}}",
        "  template:",
        "    metadata: {labels: {app: typed}}",
        "    spec:",
        "      containers:",
        `      - {name: c, image: busybox${container}}`,
        "",
      ].join("\n");
    const prefix =
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: ';
    const cases: [string, string][] = [
      [
        deployment("", "three"),
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
      [
        deployment(", stdin: 'yes'"),
        "json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.stdin of type bool",
      ],
      [
        deployment(", args: {a: 1}"),
        "json: cannot unmarshal object into Go struct field Container.spec.template.spec.containers.args of type []string",
      ],
      [
        deployment(", workingDir: [a]"),
        "json: cannot unmarshal array into Go struct field Container.spec.template.spec.containers.workingDir of type string",
      ],
      [
        deployment(", resources: {limits: {cpu: lots}}"),
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    ];
    for (const [input, message] of cases) {
      const res = await cluster.kubectl(["-n", NS, "create", "-f", "-"], { input });
      assert.notEqual(res.code, 0);
      assert.equal(res.stderr.trim(), prefix + message);
    }
    const secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: b64}\ndata: {k: hello}\n";
    const res = await cluster.kubectl(["-n", NS, "create", "-f", "-"], { input: secret });
    assert.equal(
      res.stderr.trim(),
      'Error from server (BadRequest): error when creating "STDIN": Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
    );
    assert.notEqual((await cluster.kubectl(["-n", NS, "get", "deploy", "typed"])).code, 0);
    // A wrongly typed value in a patch is 422 Invalid on the field "patch", as upstream.
    await cluster.kubectlOk(["-n", NS, "create", "configmap", "typed-patch", "--from-literal=k=v"]);
    const patched = await cluster.kubectl([
      "-n",
      NS,
      "patch",
      "configmap",
      "typed-patch",
      "-p",
      '{"data":"x"}',
    ]);
    assert.notEqual(patched.code, 0);
    assert.equal(
      patched.stderr.trim(),
      'The request is invalid: patch: Invalid value: "map[data:x]": cannot restore map from string',
    );
    const merged = await cluster.kubectl([
      "-n",
      NS,
      "patch",
      "configmap",
      "typed-patch",
      "--type=merge",
      "-p",
      '{"data":{"k":1}}',
    ]);
    assert.match(
      merged.stderr,
      /^The request is invalid: patch: Invalid value: ".*": json: cannot unmarshal number into Go struct field ConfigMap.data of type string/,
    );
  });
});
