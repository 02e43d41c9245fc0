/**
 * Real kubectl 1.32 against a real `k8ts server` process: the everyday verbs
 * and output formats from the API server issue.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import { startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

describe("discovery", () => {
  test("version reports v1.32", async () => {
    const out = JSON.parse(await cluster.kubectlOk(["version", "-o", "json"]));
    assert.equal(out.serverVersion.major, "1");
    assert.equal(out.serverVersion.minor, "32");
    assert.match(out.serverVersion.gitVersion, /^v1\.32\./);
  });

  test("api-resources lists core and apps resources with short names", async () => {
    const out = await cluster.kubectlOk(["api-resources"]);
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  });

  test("api-versions lists the served group versions", async () => {
    const out = (await cluster.kubectlOk(["api-versions"])).split("\n");
    for (const gv of ["v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1"]) {
      assert.ok(out.includes(gv), `missing ${gv} in ${out.join(",")}`);
    }
  });

  test("the system namespaces exist at start", async () => {
    const out = await cluster.kubectlOk(["get", "ns", "-o", "name"]);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      assert.match(out, new RegExp(`^namespace/${ns}$`, "m"));
    }
  });
});

describe("create, get, output formats", () => {
  test("create configmap and read it back in every format", async () => {
    await cluster.kubectlOk([
      "create",
      "configmap",
      "cfg1",
      "--from-literal=a=1",
      "--from-literal=b=2",
    ]);
    const json = JSON.parse(await cluster.kubectlOk(["get", "cm", "cfg1", "-o", "json"]));
    assert.deepEqual(json.data, { a: "1", b: "2" });
    assert.match(json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(json.metadata.resourceVersion, /^\d+$/);
    const yaml = await cluster.kubectlOk(["get", "configmap", "cfg1", "-o", "yaml"]);
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.equal(
      (await cluster.kubectlOk(["get", "cm", "cfg1", "-o", "name"])).trim(),
      "configmap/cfg1",
    );
    assert.equal(await cluster.kubectlOk(["get", "cm", "cfg1", "-o", "jsonpath={.data.b}"]), "2");
    const cc = await cluster.kubectlOk([
      "get",
      "cm",
      "cfg1",
      "-o",
      "custom-columns=NAME:.metadata.name,A:.data.a",
    ]);
    assert.match(cc, /^NAME\s+A\ncfg1\s+1\n$/);
    const table = await cluster.kubectlOk(["get", "cm", "cfg1"]);
    assert.match(table, /^NAME\s+DATA\s+AGE\ncfg1\s+2\s+\d+s\n$/);
  });

  test("create -f a multi-document manifest and delete -f it", async () => {
    const manifest = [
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n",
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: team-a\ntype: Opaque\nstringData:\n  password: hunter2\n",
    ].join("---\n");
    const out = await cluster.kubectlOk(["create", "-f", "-"], { input: manifest });
    assert.match(out, /namespace\/team-a created/);
    assert.match(out, /secret\/creds created/);
    const secret = JSON.parse(
      await cluster.kubectlOk(["get", "secret", "creds", "-n", "team-a", "-o", "json"]),
    );
    assert.equal(Buffer.from(secret.data.password, "base64").toString(), "hunter2");
    assert.equal(secret.stringData, undefined);
    const del = await cluster.kubectlOk(["delete", "-f", "-"], { input: manifest });
    assert.match(del, /secret "creds" deleted/);
  });

  test("get -A shows the NAMESPACE column", async () => {
    await cluster.kubectlOk(["create", "configmap", "sys-cm", "-n", "kube-system"]);
    const out = await cluster.kubectlOk(["get", "cm", "-A"]);
    assert.match(out, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/m);
    assert.match(out, /^kube-system\s+sys-cm\s+0\s+/m);
  });
});

describe("selectors", () => {
  test("label selectors, equality and set-based", async () => {
    await cluster.kubectlOk(["create", "configmap", "sel-a"]);
    await cluster.kubectlOk(["create", "configmap", "sel-b"]);
    await cluster.kubectlOk(["label", "cm", "sel-a", "tier=web", "env=prod"]);
    await cluster.kubectlOk(["label", "cm", "sel-b", "tier=db"]);
    const eq = await cluster.kubectlOk(["get", "cm", "-l", "tier=web", "-o", "name"]);
    assert.equal(eq.trim(), "configmap/sel-a");
    const set = await cluster.kubectlOk(["get", "cm", "-l", "tier in (web,db)", "-o", "name"]);
    assert.deepEqual(set.trim().split("\n").sort(), ["configmap/sel-a", "configmap/sel-b"]);
    const not = await cluster.kubectlOk(["get", "cm", "-l", "tier,tier!=web", "-o", "name"]);
    assert.equal(not.trim(), "configmap/sel-b");
  });

  test("field selectors on metadata.name", async () => {
    const out = await cluster.kubectlOk([
      "get",
      "cm",
      "--field-selector",
      "metadata.name=sel-b",
      "-o",
      "name",
    ]);
    assert.equal(out.trim(), "configmap/sel-b");
  });

  test("an unknown field selector is a 400 BadRequest", async () => {
    const res = await cluster.kubectl(["get", "cm", "--field-selector", "spec.bogus=1"]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Error from server \(BadRequest\)/);
  });
});

describe("mutations", () => {
  test("label and annotate, overwrite and remove", async () => {
    await cluster.kubectlOk(["create", "configmap", "lab"]);
    await cluster.kubectlOk(["label", "cm", "lab", "a=1"]);
    const clash = await cluster.kubectl(["label", "cm", "lab", "a=2"]);
    assert.notEqual(clash.code, 0);
    await cluster.kubectlOk(["label", "cm", "lab", "a=2", "--overwrite"]);
    await cluster.kubectlOk(["annotate", "cm", "lab", "note=hello"]);
    await cluster.kubectlOk(["label", "cm", "lab", "a-"]);
    const obj = JSON.parse(await cluster.kubectlOk(["get", "cm", "lab", "-o", "json"]));
    assert.equal(obj.metadata.labels?.a, undefined);
    assert.equal(obj.metadata.annotations.note, "hello");
  });

  test("patch with all four patch types", async () => {
    await cluster.kubectlOk(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=1"]);
    await cluster.kubectlOk([
      "patch",
      "deploy",
      "web",
      "--type=merge",
      "-p",
      '{"spec":{"replicas":2}}',
    ]);
    await cluster.kubectlOk([
      "patch",
      "deploy",
      "web",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.26"}]',
    ]);
    await cluster.kubectlOk([
      "patch",
      "deploy",
      "web",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"A","value":"1"}]}]}}}}',
    ]);
    const obj = JSON.parse(await cluster.kubectlOk(["get", "deploy", "web", "-o", "json"]));
    assert.equal(obj.spec.replicas, 2);
    assert.equal(obj.spec.template.spec.containers.length, 1);
    assert.equal(obj.spec.template.spec.containers[0].image, "nginx:1.26");
    assert.deepEqual(obj.spec.template.spec.containers[0].env, [{ name: "A", value: "1" }]);
    assert.ok(obj.metadata.generation >= 3, `generation ${obj.metadata.generation}`);
    const applyPatch =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
    const res = await cluster.request(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=tester&force=true",
      applyPatch,
      { "Content-Type": "application/apply-patch+yaml" },
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).spec.replicas, 3);
  });

  test("scale a deployment through the scale subresource", async () => {
    await cluster.kubectlOk(["scale", "deploy", "web", "--replicas=5"]);
    const scale = JSON.parse(
      (await cluster.request("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale")).body,
    );
    assert.equal(scale.kind, "Scale");
    assert.equal(scale.apiVersion, "autoscaling/v1");
    assert.equal(scale.spec.replicas, 5);
  });

  test("replace with a stale resourceVersion is a Conflict", async () => {
    const obj = JSON.parse(await cluster.kubectlOk(["get", "cm", "lab", "-o", "json"]));
    await cluster.kubectlOk(["label", "cm", "lab", "bump=1"]);
    obj.data = { x: "y" };
    const res = await cluster.kubectl(["replace", "-f", "-"], { input: JSON.stringify(obj) });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Error from server \(Conflict\)/);
    assert.match(res.stderr, /the object has been modified/);
    delete obj.metadata.resourceVersion;
    const ok = await cluster.kubectlOk(["replace", "-f", "-"], { input: JSON.stringify(obj) });
    assert.match(ok, /configmap\/lab replaced/);
  });

  test("edit through an EDITOR script", async () => {
    const editor = join(cluster.dataDir, "editor.sh");
    await writeFile(editor, "#!/bin/sh\nsed -i 's/^  x: .*$/  x: edited/' \"$1\"\n");
    await chmod(editor, 0o755);
    const out = await cluster.kubectlOk(["edit", "cm", "lab"], {
      env: { EDITOR: editor, KUBE_EDITOR: editor },
    });
    assert.match(out, /configmap\/lab edited/);
    const obj = JSON.parse(await cluster.kubectlOk(["get", "cm", "lab", "-o", "json"]));
    assert.equal(obj.data.x, "edited");
  });

  test("apply creates, then updates through a strategic merge patch", async () => {
    const v1 =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: applied\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: applied}\n  template:\n    metadata:\n      labels: {app: applied}\n    spec:\n      containers:\n      - name: main\n        image: busybox:1.36\n        env:\n        - {name: A, value: '1'}\n        - {name: B, value: '2'}\n";
    assert.match(
      await cluster.kubectlOk(["apply", "-f", "-"], { input: v1 }),
      /deployment.apps\/applied created/,
    );
    const v2 = v1
      .replace("replicas: 1", "replicas: 2")
      .replace("        - {name: B, value: '2'}\n", "");
    assert.match(
      await cluster.kubectlOk(["apply", "-f", "-"], { input: v2 }),
      /deployment.apps\/applied configured/,
    );
    const obj = JSON.parse(await cluster.kubectlOk(["get", "deploy", "applied", "-o", "json"]));
    assert.equal(obj.spec.replicas, 2);
    assert.deepEqual(obj.spec.template.spec.containers[0].env, [{ name: "A", value: "1" }]);
    assert.ok(obj.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
  });

  test("server-side apply creates and records managed fields", async () => {
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n";
    const out = await cluster.kubectlOk(["apply", "--server-side", "-f", "-"], { input: manifest });
    assert.match(out, /configmap\/ssa serverside-applied/);
    const obj = JSON.parse(
      await cluster.kubectlOk(["get", "cm", "ssa", "-o", "json", "--show-managed-fields"]),
    );
    const entry = obj.metadata.managedFields.find(
      (m: { manager: string }) => m.manager === "kubectl",
    );
    assert.equal(entry?.operation, "Apply");
  });

  test("dry-run=server validates without storing", async () => {
    const out = await cluster.kubectlOk([
      "create",
      "configmap",
      "dry",
      "--dry-run=server",
      "-o",
      "name",
    ]);
    assert.equal(out.trim(), "configmap/dry");
    const get = await cluster.kubectl(["get", "cm", "dry"]);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /Error from server \(NotFound\): configmaps "dry" not found/);
  });

  test("delete waits for the object to go", async () => {
    await cluster.kubectlOk(["create", "configmap", "gone"]);
    assert.match(await cluster.kubectlOk(["delete", "cm", "gone"]), /configmap "gone" deleted/);
    const get = await cluster.kubectl(["get", "cm", "gone"]);
    assert.notEqual(get.code, 0);
  });
});

describe("watch", () => {
  test("get -w prints later changes as watch events", async () => {
    await cluster.kubectlOk(["create", "configmap", "watched"]);
    const watch = cluster.kubectlStream(["get", "cm", "watched", "-w", "--output-watch-events"]);
    try {
      await watch.waitFor(/^ADDED\s+watched\s/);
      await cluster.kubectlOk(["label", "cm", "watched", "seen=yes"]);
      await watch.waitFor(/^MODIFIED\s+watched\s/);
      await cluster.kubectlOk(["delete", "cm", "watched"]);
      await watch.waitFor(/^DELETED\s+watched\s/);
    } finally {
      await watch.stop();
    }
  });
});
