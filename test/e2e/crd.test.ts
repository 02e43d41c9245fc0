/**
 * CustomResourceDefinitions with the real kubectl 1.32 against a real
 * `k8ts server`: apply a CRD (a CronTab in our own words), get custom
 * resources by plural and short name with printer columns, explain, apply,
 * patch, status and scale subresources, schema and CEL rejections, pruning
 * and defaulting, a policy type-checked against the CRD schema, and
 * deleting the CRD deleting its objects. Also the
 * official JavaScript client's CustomObjectsApi.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { eventually, startCluster, type TestCluster } from "./harness.ts";
import { cronTabCRD } from "../../src/apiextensions/testing.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(cronTabCRD()) });
  await cluster.kubectlOk([
    "wait",
    "--for",
    "condition=Established",
    "--timeout=90s",
    "crd/crontabs.stable.example.com",
  ]);
});
after(async () => {
  await cluster?.stop();
});

function cronTabYaml(name: string, spec: string): string {
  return `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}`;
}

test("kubectl get crd shows the definition", async () => {
  const out = await cluster.kubectlOk(["get", "crd"]);
  assert.match(out, /^NAME\s+CREATED AT$/m);
  assert.match(out, /^crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/m);
  const apiResources = await cluster.kubectlOk(["api-resources", "--api-group=stable.example.com"]);
  assert.match(apiResources, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
});

test("apply, get by plural and short name with printer columns, defaults and pruning", async () => {
  const applied = await cluster.kubectl(["apply", "-f", "-"], {
    input: cronTabYaml("nightly", "  cronSpec: '0 3 * * *'\n  image: backup:1\n"),
  });
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /crontab\.stable\.example\.com\/nightly created/);
  const table = await cluster.kubectlOk(["get", "crontabs"]);
  assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m);
  assert.match(table, /^nightly\s+0 3 \* \* \*\s+1\s+\d+s$/m);
  const short = await cluster.kubectlOk([
    "get",
    "ct",
    "nightly",
    "-o",
    "jsonpath={.spec.color}/{.spec.maxReplicas}",
  ]);
  assert.equal(short, "green/10");
  // An unknown field is pruned (kubectl's default strict validation rejects it; Warn keeps going).
  const strict = await cluster.kubectl(["apply", "-f", "-"], {
    input: cronTabYaml("pruned", "  cronSpec: '* * * * *'\n  surplus: true\n"),
  });
  assert.notEqual(strict.code, 0);
  assert.match(strict.stderr, /unknown field "spec.surplus"/);
  const warned = await cluster.kubectl(["apply", "--validate=warn", "-f", "-"], {
    input: cronTabYaml("pruned", "  cronSpec: '* * * * *'\n  surplus: true\n"),
  });
  assert.equal(warned.code, 0, warned.stderr);
  const yaml = await cluster.kubectlOk(["get", "crontab", "pruned", "-o", "yaml"]);
  const spec = yaml.slice(yaml.indexOf("\nspec:"));
  assert.doesNotMatch(spec, /surplus/);
  assert.match(spec, /replicas: 1/);
});

test("server-side apply of a custom resource", async () => {
  const first = await cluster.kubectl(
    ["apply", "--server-side", "--field-manager=e2e", "-f", "-"],
    {
      input: cronTabYaml("ssa", "  cronSpec: '1 * * * *'\n  tags: [a, b]\n"),
    },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /crontab\.stable\.example\.com\/ssa serverside-applied/);
  await cluster.kubectlOk(["apply", "--server-side", "--field-manager=e2e", "-f", "-"], {
    input: cronTabYaml("ssa", "  cronSpec: '2 * * * *'\n  tags: [a, b]\n"),
  });
  const out = await cluster.kubectlOk([
    "get",
    "ct",
    "ssa",
    "-o",
    "jsonpath={.spec.cronSpec}|{.spec.tags}|{.spec.replicas}",
  ]);
  assert.equal(out, '2 * * * *|["a","b"]|1');
});

test("kubectl explain reads the CRD schema", async () => {
  const out = await cluster.kubectlOk(["explain", "crontab.spec"]);
  assert.match(out, /KIND:\s+CronTab/);
  assert.match(out, /What to run and when\./);
  assert.match(out, /cronSpec\s+<string> -required-/);
  assert.match(out, /The schedule, in cron format\./);
});

test("schema and CEL rules reject bad objects with field errors", async () => {
  const bad = await cluster.kubectl(["apply", "-f", "-"], {
    input: cronTabYaml("bad", "  cronSpec: 'often'\n  replicas: 20\n  maxReplicas: 5\n"),
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The CronTab "bad" is invalid/);
  assert.match(
    bad.stderr,
    /spec\.cronSpec: Invalid value: "often": spec\.cronSpec in body should match/,
  );
  assert.match(bad.stderr, /spec: Invalid value: "object": replicas must not exceed maxReplicas/);
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: cronTabYaml("locked", "  cronSpec: '* * * * *'\n  image: a\n  locked: true\n"),
  });
  const transition = await cluster.kubectl([
    "patch",
    "crontab",
    "locked",
    "--type=merge",
    "-p",
    '{"spec":{"image":"b"}}',
  ]);
  assert.notEqual(transition.code, 0);
  assert.match(transition.stderr, /image is locked/);
});

test("patch, status subresource and kubectl scale", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: cronTabYaml("scaled", "  cronSpec: '* * * * *'\n"),
  });
  await cluster.kubectlOk([
    "patch",
    "crontab",
    "scaled",
    "--type=merge",
    "-p",
    '{"spec":{"image":"web:2"}}',
  ]);
  // A status change through the main resource is ignored; through /status it is kept.
  await cluster.kubectlOk([
    "patch",
    "crontab",
    "scaled",
    "--type=merge",
    "-p",
    '{"status":{"replicas":7}}',
  ]);
  assert.equal(
    await cluster.kubectlOk(["get", "crontab", "scaled", "-o", "jsonpath={.status.replicas}"]),
    "",
  );
  await cluster.kubectlOk([
    "patch",
    "crontab",
    "scaled",
    "--subresource=status",
    "--type=merge",
    "-p",
    '{"status":{"replicas":2}}',
  ]);
  assert.equal(
    await cluster.kubectlOk(["get", "crontab", "scaled", "-o", "jsonpath={.status.replicas}"]),
    "2",
  );
  const scaled = await cluster.kubectlOk(["scale", "crontab", "scaled", "--replicas=3"]);
  assert.match(scaled, /crontab\.stable\.example\.com\/scaled scaled/);
  assert.equal(
    await cluster.kubectlOk([
      "get",
      "crontab",
      "scaled",
      "-o",
      "jsonpath={.spec.replicas}/{.spec.image}",
    ]),
    "3/web:2",
  );
});

test("CustomObjectsApi of @kubernetes/client-node", async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const base = {
    group: "stable.example.com",
    version: "v1",
    namespace: "default",
    plural: "crontabs",
  };
  const created = (await api.createNamespacedCustomObject({
    ...base,
    body: {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "js" },
      spec: { cronSpec: "*/5 * * * *" },
    },
  })) as { spec: { replicas: number } };
  assert.equal(created.spec.replicas, 1);
  const list = (await api.listNamespacedCustomObject(base)) as {
    items: { metadata: { name: string } }[];
  };
  assert.ok(list.items.some((i) => i.metadata.name === "js"));
  const patched = (await api.patchNamespacedCustomObject(
    { ...base, name: "js", body: { spec: { replicas: 2 } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  )) as { spec: { replicas: number } };
  assert.equal(patched.spec.replicas, 2);
  await assert.rejects(
    api.createNamespacedCustomObject({
      ...base,
      body: {
        apiVersion: "stable.example.com/v1",
        kind: "CronTab",
        metadata: { name: "js-bad" },
        spec: {},
      },
    }),
    (err: unknown) => (err as { code?: number }).code === 422,
  );
  await api.deleteNamespacedCustomObject({ ...base, name: "js" });
  await assert.rejects(
    api.getNamespacedCustomObject({ ...base, name: "js" }),
    (err: unknown) => (err as { code?: number }).code === 404,
  );
});

test("a ValidatingAdmissionPolicy on custom resources is type-checked against the CRD schema", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "crontab-typo" },
      spec: {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["stable.example.com"],
              apiVersions: ["v1"],
              operations: ["CREATE"],
              resources: ["crontabs"],
            },
          ],
        },
        validations: [
          { expression: "object.spec.replicas <= object.spec.maxReplicas" },
          { expression: "object.spec.cronspec != ''" },
        ],
      },
    }),
  });
  const yaml = await eventually("the policy's type check in its status", async () => {
    const got = await cluster.kubectlOk([
      "get",
      "validatingadmissionpolicy",
      "crontab-typo",
      "-o",
      "yaml",
    ]);
    return got.includes("observedGeneration") ? got : undefined;
  });
  const status = yaml.slice(yaml.indexOf("\nstatus:"));
  assert.doesNotMatch(status, /spec\.validations\[0\]/);
  assert.match(status, /fieldRef: spec\.validations\[1\]\.expression/);
  assert.match(
    status,
    /stable\.example\.com\/v1, Kind=CronTab: ERROR: <input>:1:12: undefined field 'cronspec'/,
  );
  await cluster.kubectlOk(["delete", "validatingadmissionpolicy", "crontab-typo"]);
});

test("deleting the CRD deletes its custom resources", async () => {
  await cluster.kubectlOk(["delete", "crd", "crontabs.stable.example.com", "--timeout=90s"]);
  const gone = await cluster.kubectl(["get", "crd", "crontabs.stable.example.com"]);
  assert.notEqual(gone.code, 0);
  const raw = await cluster.request(
    "GET",
    "/apis/stable.example.com/v1/namespaces/default/crontabs",
  );
  assert.equal(raw.status, 404);
});
