/**
 * Real kubectl 1.32 against `k8ts server`: the create generators print
 * upstream's `<resource>.<group>/<name> <verb>` messages and table headers;
 * on the objects they made, get's output formats (wide, name, jsonpath,
 * custom-columns, go-template, yaml, json), the verbs that change a
 * deployment, and describe's layouts, as upstream prints them.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { generatorCases } from "./kubectl-generators.ts";
import { eventually, type TestCluster } from "./harness.ts";
import { header, row, startClusterWithNamespace } from "./kubectl-parity-fixture.ts";

let cluster: TestCluster;
const NS = "par";

before(async () => (cluster = await startClusterWithNamespace(NS)));
after(() => cluster?.stop());
/** kubectl in the test namespace; fails the test on a non-zero exit. */
const k = (...args: string[]) => cluster.kubectlOk(["-n", NS, ...args]);

describe("kubectl create generators print upstream's messages and tables", () => {
  for (const c of generatorCases) {
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
});

describe("verbs on existing objects", () => {
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
});
