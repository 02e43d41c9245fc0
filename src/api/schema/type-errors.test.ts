import { test } from "node:test";
import assert from "node:assert/strict";
import { findTypeErrors } from "./type-errors.ts";
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
      want: [
        "json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type intstr.IntOrString",
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
