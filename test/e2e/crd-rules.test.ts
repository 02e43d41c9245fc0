/**
 * CRD rule checks with the real kubectl 1.32 against a real `k8ts server`:
 * rules type-checked against the schema and refused by estimated cost when
 * the CRD is applied (upstream's messages), optional syntax in a rule, and
 * validation ratcheting (a tightened schema does not block updates that
 * leave the offending field unchanged).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function widgetCRD(spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.rules.example.com" },
    spec: {
      group: "rules.example.com",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec } } },
        },
      ],
    },
  });
}

test("kubectl apply of a CRD with an ill-typed or too costly rule fails as upstream", async () => {
  const typed = await cluster.kubectl(["apply", "-f", "-"], {
    input: widgetCRD({
      type: "object",
      properties: { size: { type: "integer" } },
      "x-kubernetes-validations": [{ rule: "self.sise > 0" }],
    }),
  });
  assert.notEqual(typed.code, 0);
  assert.match(
    typed.stderr,
    /The CustomResourceDefinition "widgets\.rules\.example\.com" is invalid/,
  );
  assert.match(
    typed.stderr,
    /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:5: undefined field 'sise'/,
  );
  const costly = await cluster.kubectl(["apply", "-f", "-"], {
    input: widgetCRD({
      type: "object",
      properties: { names: { type: "array", items: { type: "string" } } },
      "x-kubernetes-validations": [{ rule: "self.names.all(a, self.names.exists(b, a == b))" }],
    }),
  });
  assert.notEqual(costly.code, 0);
  assert.match(
    costly.stderr,
    /x-kubernetes-validations\[0\]\.rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x \(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared\)/,
  );
});

test("optional syntax in a rule; ratcheting of a tightened schema", async () => {
  const spec = (maxLength?: number) => ({
    type: "object",
    properties: {
      size: { type: "integer" },
      image: { type: "string", ...(maxLength ? { maxLength } : {}) },
    },
    "x-kubernetes-validations": [
      { rule: "self.?size.orValue(1) <= 10", message: "size at most 10" },
    ],
  });
  await cluster.kubectlOk(["apply", "-f", "-"], { input: widgetCRD(spec()) });
  await cluster.kubectlOk([
    "wait",
    "--for",
    "condition=Established",
    "--timeout=90s",
    "crd/widgets.rules.example.com",
  ]);
  const widget = (name: string, body: string) =>
    `apiVersion: rules.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${body}`;
  const big = await cluster.kubectl(["apply", "-f", "-"], {
    input: widget("big", "  size: 11\n"),
  });
  assert.notEqual(big.code, 0);
  assert.match(big.stderr, /spec: Invalid value: "object": size at most 10/);
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: widget("w", "  image: a-rather-long-image-name\n"),
  });
  // Tighten: image at most 5 characters. The stored widget now violates it.
  await cluster.kubectlOk(["apply", "-f", "-"], { input: widgetCRD(spec(5)) });
  const refused = await eventually("the tightened schema to refuse a long image", async () => {
    const r = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], {
      input: widget("probe", "  image: a-rather-long-image-name\n"),
    });
    return r.code !== 0 ? r.stderr : undefined;
  });
  assert.match(refused, /spec\.image: Too long: may not be more than 5 bytes/);
  // Unchanged image: updates elsewhere are accepted (ratcheting).
  await cluster.kubectlOk(["patch", "widget", "w", "--type=merge", "-p", '{"spec":{"size":3}}']);
  await cluster.kubectlOk(["label", "widget", "w", "touched=yes"]);
  const changed = await cluster.kubectl([
    "patch",
    "widget",
    "w",
    "--type=merge",
    "-p",
    '{"spec":{"image":"another-long-name"}}',
  ]);
  assert.notEqual(changed.code, 0);
  assert.match(changed.stderr, /spec\.image: Too long: may not be more than 5 bytes/);
});
