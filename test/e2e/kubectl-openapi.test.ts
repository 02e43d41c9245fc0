/**
 * Real kubectl 1.32 against a real `k8ts server`: what the OpenAPI documents
 * and strict field validation give it — explain, server-side validation under
 * Warn, client-side validation of `kind: List` files through the protobuf
 * /openapi/v2.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

test("kubectl explain pods.spec.containers", async () => {
  const out = await cluster.kubectlOk(["explain", "pods.spec.containers"]);
  assert.match(out, /^KIND:\s+Pod$/m);
  assert.match(out, /^VERSION:\s+v1$/m);
  assert.match(out, /^FIELD: containers <\[\]Container>$/m);
  assert.match(out, /^ {2}image\t<string>$/m);
  assert.match(out, /^ {2}name\t<string> -required-$/m);
});

test("kubectl explain deployment --recursive reaches the pod template", async () => {
  const out = await cluster.kubectlOk(["explain", "deployment", "--recursive"]);
  assert.match(out, /^GROUP:\s+apps$/m);
  assert.match(out, /^ {2}spec\t<DeploymentSpec>$/m);
  assert.match(out, /^ {4}strategy\t<DeploymentStrategy>$/m);
  assert.match(out, /^ {8}containers\t<\[\]Container> -required-$/m);
});

test("--validate=warn creates the object and prints the unknown field", async () => {
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: warned\ndata: {a: b}\nbogus: 1\n";
  const res = await cluster.kubectl(["create", "--validate=warn", "-f", "-"], { input: cm });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /unknown field "bogus"/);
  await cluster.kubectlOk(["get", "cm", "warned"]);
});

test("a kind: List file is validated by kubectl before anything is sent", async () => {
  const list = (field: string) =>
    `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed}\n  ${field}: {a: b}\n`;
  const bad = await cluster.kubectl(["create", "-f", "-"], { input: list("dataa") });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown field "dataa"/);
  const good = await cluster.kubectlOk(["create", "-f", "-"], { input: list("data") });
  assert.match(good, /configmap\/listed created/);
});
