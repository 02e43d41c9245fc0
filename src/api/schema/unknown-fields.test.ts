import { test } from "node:test";
import assert from "node:assert/strict";
import { findUnknownFields, strictDecodingErrors } from "./unknown-fields.ts";
import { builtinSchemas } from "./builtin.ts";
import { SchemaRegistry } from "./schema-registry.ts";

const local = new SchemaRegistry([
  {
    name: "io.example.v1",
    types: {
      Widget: {
        gvk: [{ group: "example.io", version: "v1", kind: "Widget" }],
        fields: {
          spec: [2, "WidgetSpec"],
          parts: [3, "map[Part]"],
          grid: [4, "[][]Part"],
          raw: [5, "RawExtension"],
          free: [6, "JSON"],
          size: [7, "IntOrString"],
          tags: [8, "map[string]"],
        },
      },
      WidgetSpec: { fields: { count: [1, "int32"], inner: [2, "Widget"] } },
      Part: { fields: { name: [1, "string"] } },
    },
  },
]);

const W = "io.example.v1.Widget";

test("findUnknownFields on a local schema", async (t) => {
  const cases: { name: string; obj: unknown; want: string[] }[] = [
    {
      name: "known fields only",
      obj: { apiVersion: "example.io/v1", kind: "Widget", spec: { count: 1 } },
      want: [],
    },
    { name: "top-level unknown", obj: { spek: {} }, want: ["spek"] },
    { name: "nested unknown", obj: { spec: { count: 1, cont: 2 } }, want: ["spec.cont"] },
    {
      name: "map of structs",
      obj: { parts: { a: { name: "x" }, b: { nme: "y" } } },
      want: ["parts.b.nme"],
    },
    {
      name: "list of lists",
      obj: { grid: [[{ name: "a" }], [{ name: "b" }, { bad: 1 }]] },
      want: ["grid[1][1].bad"],
    },
    { name: "raw extension is free-form", obj: { raw: { anything: { at: "all" } } }, want: [] },
    { name: "JSON is free-form", obj: { free: { x: [1, { y: 2 }] } }, want: [] },
    { name: "int-or-string holds no fields", obj: { size: "25%" }, want: [] },
    { name: "map of strings", obj: { tags: { a: "b" } }, want: [] },
    {
      name: "nested kind may carry TypeMeta",
      obj: { spec: { inner: { apiVersion: "v", kind: "k", bogus: 1 } } },
      want: ["spec.inner.bogus"],
    },
    {
      name: "TypeMeta not allowed on a plain nested type",
      obj: { spec: { kind: "x" } },
      want: ["spec.kind"],
    },
    {
      name: "wrong JSON types are left to the decoder",
      obj: { spec: "nope", grid: {}, parts: [] },
      want: [],
    },
    { name: "document order", obj: { z: 1, spec: { q: 1 }, a: 2 }, want: ["z", "spec.q", "a"] },
    { name: "not an object", obj: [1, 2], want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(findUnknownFields(c.obj, W, local), c.want));
  }
});

test("findUnknownFields on built-in kinds", async (t) => {
  const reg = builtinSchemas();
  const cases: { name: string; type: string; obj: unknown; want: string[] }[] = [
    {
      name: "pod container field",
      type: "io.k8s.api.core.v1.Pod",
      obj: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", labelz: { a: "b" }, labels: { a: "b" } },
        spec: {
          containers: [
            {
              name: "a",
              image: "busybox",
              bogus: true,
              ports: [{ containerPort: 80, hostPortt: 1 }],
            },
          ],
        },
      },
      want: [
        "metadata.labelz",
        "spec.containers[0].bogus",
        "spec.containers[0].ports[0].hostPortt",
      ],
    },
    {
      name: "deployment down to the pod template",
      type: "io.k8s.api.apps.v1.Deployment",
      obj: {
        spec: {
          replicas: 1,
          strategy: {
            type: "RollingUpdate",
            rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
          },
          selector: { matchLabels: { app: "x" } },
          template: {
            metadata: { labels: { app: "x" } },
            spec: {
              containers: [{ name: "a", resources: { limits: { cpu: "1" } } }],
              tolerations: [{ key: "k", value: "v", effectt: "x" }],
            },
          },
        },
        status: { conditions: [{ type: "Available", status: "True", lastUpdateTime: null }] },
      },
      want: ["spec.template.spec.tolerations[0].effectt"],
    },
    {
      name: "controller revision data is raw",
      type: "io.k8s.api.apps.v1.ControllerRevision",
      obj: { revision: 1, data: { spec: { whatever: 1 } } },
      want: [],
    },
    {
      name: "cron job template",
      type: "io.k8s.api.batch.v1.CronJob",
      obj: {
        spec: {
          schedule: "* * * * *",
          jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", container: [] } } } },
        },
      },
      want: ["spec.jobTemplate.spec.template.spec.container"],
    },
    {
      name: "ingress rule http is inline",
      type: "io.k8s.api.networking.v1.Ingress",
      obj: {
        spec: {
          rules: [
            {
              host: "a",
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: "s", port: { number: 80 } } },
                  },
                ],
              },
              ingressRuleValue: {},
            },
          ],
        },
      },
      want: ["spec.rules[0].ingressRuleValue"],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(findUnknownFields(c.obj, c.type, reg), c.want));
  }
});

test("a YAML key missing its space after the colon is an unknown field", () => {
  // `- key:"app"` parses as a map with the single key `key:"app"`.
  const pod = {
    spec: { containers: [{ name: "a" }], tolerations: [{ 'key:"app"': null, operator: "Exists" }] },
  };
  const unknown = findUnknownFields(pod, "io.k8s.api.core.v1.Pod", builtinSchemas());
  assert.deepEqual(unknown, ['spec.tolerations[0].key:"app"']);
  assert.deepEqual(strictDecodingErrors(unknown, []), [
    'unknown field "spec.tolerations[0].key:\\"app\\""',
  ]);
});

test("strictDecodingErrors formats unknown before duplicate fields", () => {
  assert.deepEqual(strictDecodingErrors(["spec.unknownField"], ["spec.replicas"]), [
    'unknown field "spec.unknownField"',
    'duplicate field "spec.replicas"',
  ]);
});
