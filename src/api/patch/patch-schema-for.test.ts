import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "../schema/builtin.ts";
import { patchSchemaFor } from "./patch-schema-for.ts";
import { listSemantics, smpStrategy } from "./patch-schema.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { fieldSetOf } from "./field-set-of.ts";

const registry = builtinSchemas();
const pod = patchSchemaFor(registry, "io.k8s.api.core.v1.Pod");
const deployment = patchSchemaFor(registry, "io.k8s.api.apps.v1.Deployment");

const spec = (s = pod) => s.field("spec")!.schema!;

test("patch facts of core/v1 fields come from the schema table", () => {
  const containers = spec().field("containers")!;
  assert.deepEqual(smpStrategy(containers), { merge: true, replace: false, mergeKey: "name" });
  assert.deepEqual(listSemantics(containers), { kind: "map", keys: ["name"] });
  const ports = containers.schema!.field("ports")!;
  assert.deepEqual(listSemantics(ports), { kind: "map", keys: ["containerPort", "protocol"] });
  const env = containers.schema!.field("env")!;
  assert.equal(env.mergeKey, "name");
  const finalizers = pod.field("metadata")!.schema!.field("finalizers")!;
  assert.deepEqual(listSemantics(finalizers), { kind: "set" });
  const labels = pod.field("metadata")!.schema!.field("labels")!;
  assert.equal(labels.schema?.isMap, true);
  assert.equal(spec().field("nope"), undefined);
  const selector = spec(deployment).field("selector")!;
  assert.equal(selector.mapType, "atomic");
});

test("SMP over the real Pod schema: env var removal and image change", () => {
  const live = {
    spec: {
      containers: [
        {
          name: "a",
          image: "a:1",
          env: [
            { name: "X", value: "1" },
            { name: "Y", value: "2" },
          ],
        },
        { name: "b", image: "b:1" },
      ],
    },
  };
  const out = applyStrategicMergePatch(
    live,
    {
      spec: {
        "$setElementOrder/containers": [{ name: "a" }, { name: "b" }],
        containers: [
          {
            name: "a",
            image: "a:2",
            "$setElementOrder/env": [{ name: "X" }],
            env: [{ $patch: "delete", name: "Y" }],
          },
        ],
      },
    },
    pod,
  );
  assert.deepEqual(out, {
    spec: {
      containers: [
        { name: "a", image: "a:2", env: [{ name: "X", value: "1" }] },
        { name: "b", image: "b:1" },
      ],
    },
  });
});

test("SSA field set over the real Deployment schema", () => {
  const set = fieldSetOf(
    {
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] },
        },
      },
    },
    deployment,
  );
  assert.deepEqual(set.toFieldsV1(), {
    "f:spec": {
      "f:selector": {},
      "f:template": {
        "f:spec": {
          "f:containers": {
            'k:{"name":"web"}': {
              ".": {},
              "f:image": {},
              "f:name": {},
              "f:ports": {
                'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
              },
            },
          },
        },
      },
    },
  });
});
