/**
 * Real kubectl 1.32 against `k8ts server`: watch output (Table events,
 * `get -w`) and the 400/422 texts of wrongly typed values, as upstream.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { TestCluster } from "./harness.ts";
import { header, row, startClusterWithNamespace } from "./kubectl-parity-fixture.ts";

let cluster: TestCluster;
const NS = "par";

before(async () => (cluster = await startClusterWithNamespace(NS)));
after(() => cluster?.stop());
/** kubectl in the test namespace; fails the test on a non-zero exit. */
const k = (...args: string[]) => cluster.kubectlOk(["-n", NS, ...args]);

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
