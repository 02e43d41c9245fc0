import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDecoding, findTypeErrors } from "./type-errors.ts";
import { base64ErrorOffset, goDurationError } from "./unmarshaler-errors.ts";
import { builtinSchemas } from "./builtin.ts";

const reg = builtinSchemas();
const POD = "io.k8s.api.core.v1.Pod";
const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment";

test("findTypeErrors reports Go decode errors", async (t) => {
  const cases: { name: string; type: string; obj: unknown; want: string[] }[] = [
    {
      name: "toleration written without spaces becomes a string",
      type: POD,
      obj: {
        spec: {
          containers: [{ name: "a" }],
          tolerations: ['key:"app" operator:"Equal" value:"blue" effect:"NoSchedule"'],
        },
      },
      want: [
        "json: cannot unmarshal string into Go struct field PodSpec.spec.tolerations of type v1.Toleration",
      ],
    },
    {
      name: "string for an int32",
      type: DEPLOYMENT,
      obj: { spec: { replicas: "3" } },
      want: [
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
    },
    {
      name: "fraction for an int32 names the number",
      type: DEPLOYMENT,
      obj: { spec: { replicas: 1.5 } },
      want: [
        "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
    },
    {
      name: "int32 out of range",
      type: DEPLOYMENT,
      obj: { spec: { replicas: 2147483648 } },
      want: [
        "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
    },
    {
      name: "list indices are not part of the field path",
      type: POD,
      obj: { spec: { containers: [{ name: "a" }, { name: "b", ports: { containerPort: 80 } }] } },
      want: [
        "json: cannot unmarshal object into Go struct field Container.spec.containers.ports of type []v1.ContainerPort",
      ],
    },
    {
      name: "map values keep the map's field path",
      type: POD,
      obj: { metadata: { labels: { a: 1 } } },
      want: [
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
      ],
    },
    {
      name: "object for a struct field",
      type: POD,
      obj: { spec: "x" },
      want: ["json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec"],
    },
    {
      name: "whole body of the wrong type",
      type: POD,
      obj: [1],
      want: ["json: cannot unmarshal array into Go value of type v1.Pod"],
    },
    {
      name: "int-or-string, quantities, times and raw extensions accept their forms",
      type: DEPLOYMENT,
      obj: {
        metadata: { creationTimestamp: null, annotations: {} },
        spec: {
          strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
          template: {
            spec: { containers: [{ name: "a", resources: { limits: { cpu: 1, memory: "1Gi" } } }] },
          },
        },
      },
      want: [],
    },
    {
      name: "int-or-string rejects a bool",
      type: DEPLOYMENT,
      obj: { spec: { strategy: { rollingUpdate: { maxSurge: true } } } },
      want: ["json: cannot unmarshal bool into Go value of type int32"],
    },
    {
      name: "int-or-string rejects a fraction",
      type: DEPLOYMENT,
      obj: { spec: { strategy: { rollingUpdate: { maxUnavailable: 0.5 } } } },
      want: ["json: cannot unmarshal number 0.5 into Go value of type int32"],
    },
    {
      name: "a bad quantity is a decode error with upstream's text",
      type: POD,
      obj: { spec: { containers: [{ name: "a", resources: { limits: { cpu: "abc" } } }] } },
      want: [
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    },
    {
      name: "a quantity with an unknown suffix",
      type: POD,
      obj: { spec: { containers: [{ name: "a", resources: { requests: { memory: "192i" } } }] } },
      want: ["unable to parse quantity's suffix"],
    },
    {
      name: "a bool quantity",
      type: POD,
      obj: { spec: { containers: [{ name: "a", resources: { requests: { cpu: true } } }] } },
      want: [
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    },
    {
      name: "a number for a timestamp",
      type: POD,
      obj: { metadata: { creationTimestamp: 12 } },
      want: ["json: cannot unmarshal number into Go value of type string"],
    },
    {
      name: "secret data that is not base64",
      type: "io.k8s.api.core.v1.Secret",
      obj: { data: { ok: "aGVsbG8=", bad: "hello" } },
      want: ["illegal base64 data at input byte 4"],
    },
    {
      name: "secret data of the wrong JSON type",
      type: "io.k8s.api.core.v1.Secret",
      obj: { data: { bad: 5 } },
      want: ["json: cannot unmarshal number into Go struct field Secret.data of type []uint8"],
    },
    {
      name: "a bool for a string, a string for a bool, an array for an object",
      type: POD,
      obj: { spec: { containers: [{ name: true }] } },
      want: [
        "json: cannot unmarshal bool into Go struct field Container.spec.containers.name of type string",
      ],
    },
    {
      name: "a string for a bool",
      type: POD,
      obj: { spec: { hostNetwork: "yes" } },
      want: [
        "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool",
      ],
    },
    {
      name: "an array for a struct",
      type: DEPLOYMENT,
      obj: { spec: { selector: [] } },
      want: [
        "json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector",
      ],
    },
    {
      name: "null is always accepted",
      type: POD,
      obj: { spec: { containers: null, priority: null } },
      want: [],
    },
    {
      name: "unknown fields are not type errors",
      type: POD,
      obj: { spec: { bogus: 1 } },
      want: [],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(findTypeErrors(c.obj, c.type, reg), c.want));
  }
});

test("goDurationError and base64ErrorOffset follow Go", () => {
  const durations: [string, string | undefined][] = [
    ["1h30m", undefined],
    ["-1.5s", undefined],
    ["0", undefined],
    ["300ms", undefined],
    ["abc", 'time: invalid duration "abc"'],
    ["", 'time: invalid duration ""'],
    ["10", 'time: missing unit in duration "10"'],
    ["10x", 'time: unknown unit "x" in duration "10x"'],
  ];
  for (const [s, want] of durations) assert.equal(goDurationError(s), want, s);
  const b64: [string, number][] = [
    ["aGVsbG8=", -1],
    ["aGVs\nbG8=", -1],
    ["", -1],
    ["hello", 4],
    ["abc", 0],
    ["ab!d", 2],
    ["a===", 1],
    ["aGVsbG8=x", 8],
    ["aGVsbA==", -1],
    ["aGVsbA=", 7],
    ["aGVsbA=x", 6],
  ];
  for (const [s, want] of b64) assert.equal(base64ErrorOffset(s), want, s);
});

test("findTypeErrors in the unstructured converter's words (strategic merge patch)", async (t) => {
  const SECRET = "io.k8s.api.core.v1.Secret";
  const cases: { name: string; type: string; obj: unknown; want: string[] }[] = [
    {
      name: "string for an int32",
      type: DEPLOYMENT,
      obj: { spec: { replicas: "3" } },
      want: ["unrecognized type: int32"],
    },
    {
      name: "bool for an int32",
      type: DEPLOYMENT,
      obj: { spec: { replicas: true } },
      want: ["unrecognized type: int32"],
    },
    {
      name: "fraction for an int32",
      type: DEPLOYMENT,
      obj: { spec: { replicas: 1.5 } },
      want: ["cannot convert float64 to int32"],
    },
    {
      name: "integer for a string",
      type: POD,
      obj: { spec: { nodeName: 7 } },
      want: ["cannot convert int64 to string"],
    },
    {
      name: "fraction for a string",
      type: POD,
      obj: { spec: { nodeName: 7.5 } },
      want: ["unrecognized type: string"],
    },
    {
      name: "bool for a string",
      type: POD,
      obj: { spec: { nodeName: false } },
      want: ["unrecognized type: string"],
    },
    {
      name: "number for a bool",
      type: POD,
      obj: { spec: { hostNetwork: 1 } },
      want: ["unrecognized type: bool"],
    },
    {
      name: "string for a struct",
      type: DEPLOYMENT,
      obj: { spec: { template: "x" } },
      want: ["cannot restore struct from: string"],
    },
    {
      name: "object for a list",
      type: POD,
      obj: { spec: { containers: { name: "a" } } },
      want: ["cannot restore slice from map"],
    },
    {
      name: "list for a map",
      type: POD,
      obj: { metadata: { labels: ["a"] } },
      want: ["cannot restore map from slice"],
    },
    {
      name: "bad base64",
      type: SECRET,
      obj: { data: { a: "!!!!" } },
      want: ["error decoding from json: illegal base64 data at input byte 0"],
    },
    {
      name: "number for bytes",
      type: SECRET,
      obj: { data: { a: 5 } },
      want: ["cannot restore slice from int64"],
    },
    { name: "fitting values", type: DEPLOYMENT, obj: { spec: { replicas: 2 } }, want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () =>
      assert.deepEqual(findTypeErrors(c.obj, c.type, reg, "unstructured"), c.want),
    );
  }
});

test("checkDecoding finds type errors and unknown fields in one walk and counts every key", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: { a: "b", c: "d" }, bogus: { x: [{ y: 1 }] } },
    spec: {
      containers: [{ name: "c", image: 3, extra: true, ports: [{ containerPort: 80 }] }],
      nodeSelector: { zone: "z" },
      affinity: "wrong",
    },
  };
  const check = checkDecoding(pod, POD, reg);
  assert.deepEqual(check.typeErrors, [
    "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string",
    "json: cannot unmarshal string into Go struct field PodSpec.spec.affinity of type v1.Affinity",
  ]);
  assert.deepEqual(check.unknown, ["metadata.bogus", "spec.containers[0].extra"]);
  // apiVersion kind metadata spec | name labels a c bogus x y | containers name image extra
  // ports containerPort nodeSelector zone affinity
  assert.equal(check.keys, 20);
  const ext = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "a.b" },
    spec: { versions: [{ name: "v1", schema: { openAPIV3Schema: { default: { k: { l: 1 } } } } }] },
  };
  const crd = checkDecoding(
    ext,
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
    reg,
  );
  assert.deepEqual(crd.unknown, []);
  // apiVersion kind metadata spec name versions name schema openAPIV3Schema default k l
  assert.equal(crd.keys, 12);
});
