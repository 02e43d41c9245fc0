/**
 * Hand-written PatchSchemas for tests of the patch code: a slice of core/v1
 * Pod and apps/v1 Deployment with upstream's patch tags and list types, and
 * inZero where Go has the field in its zero value (structs held by value,
 * required fields).
 */
import { mapSchema, structSchema } from "./patch-schema.ts";
import type { FieldPatchInfo, PatchSchema } from "./patch-schema.ts";

const mergeBy = (
  key: string,
  schema: PatchSchema,
  extra: Partial<FieldPatchInfo> = {},
): FieldPatchInfo => ({
  strategy: "merge",
  mergeKey: key,
  listType: "map",
  listMapKeys: [key],
  schema,
  ...extra,
});

const envVar = structSchema({ name: {}, value: {}, valueFrom: { schema: structSchema({}) } });
const containerPort = structSchema({ containerPort: {}, protocol: {}, name: {}, hostPort: {} });
const volumeMount = structSchema({ name: {}, mountPath: {}, readOnly: {} });
const resources = structSchema({
  limits: { schema: mapSchema() },
  requests: { schema: mapSchema() },
});

export const containerSchema: PatchSchema = structSchema({
  name: {},
  image: {},
  imagePullPolicy: {},
  args: { listType: "atomic" },
  command: { listType: "atomic" },
  env: mergeBy("name", envVar),
  ports: mergeBy("containerPort", containerPort, { listMapKeys: ["containerPort", "protocol"] }),
  volumeMounts: mergeBy("mountPath", volumeMount),
  resources: { schema: resources, inZero: true },
});

const volumeSchema = structSchema({
  name: {},
  emptyDir: { schema: structSchema({ medium: {}, sizeLimit: {} }) },
  hostPath: { schema: structSchema({ path: {}, type: {} }) },
  configMap: { schema: structSchema({ name: {}, items: { listType: "atomic" } }) },
});

const labelSelector = structSchema({
  matchLabels: { schema: mapSchema() },
  matchExpressions: { listType: "atomic" },
});

const objectMeta = structSchema({
  name: {},
  namespace: {},
  uid: {},
  resourceVersion: {},
  generation: {},
  creationTimestamp: {},
  labels: { schema: mapSchema() },
  annotations: { schema: mapSchema() },
  finalizers: { strategy: "merge", listType: "set" },
  ownerReferences: mergeBy("uid", structSchema({ uid: {}, name: {}, kind: {}, apiVersion: {} })),
  managedFields: { listType: "atomic" },
});

const toleration = structSchema({ key: {}, operator: {}, value: {}, effect: {} });

export const podSpecSchema: PatchSchema = structSchema({
  containers: mergeBy("name", containerSchema, { inZero: true }),
  initContainers: mergeBy("name", containerSchema),
  volumes: mergeBy("name", volumeSchema, { strategy: "merge,retainKeys" }),
  tolerations: { listType: "atomic", schema: toleration },
  nodeSelector: { schema: mapSchema(), mapType: "atomic" },
  nodeName: {},
  restartPolicy: {},
  securityContext: { schema: structSchema({ runAsUser: {} }) },
});

export const podSchema: PatchSchema = structSchema({
  apiVersion: {},
  kind: {},
  metadata: { schema: objectMeta, inZero: true },
  spec: { schema: podSpecSchema, inZero: true },
  status: {
    schema: structSchema({
      phase: {},
      conditions: mergeBy("type", structSchema({ type: {}, status: {} })),
    }),
    inZero: true,
  },
});

export const deploymentSchema: PatchSchema = structSchema({
  apiVersion: {},
  kind: {},
  metadata: { schema: objectMeta, inZero: true },
  spec: {
    inZero: true,
    schema: structSchema({
      replicas: {},
      selector: { schema: labelSelector, mapType: "atomic", inZero: true },
      strategy: {
        inZero: true,
        strategy: "retainKeys",
        schema: structSchema({
          type: {},
          rollingUpdate: { schema: structSchema({ maxSurge: {}, maxUnavailable: {} }) },
        }),
      },
      template: {
        inZero: true,
        schema: structSchema({
          metadata: { schema: objectMeta, inZero: true },
          spec: { schema: podSpecSchema, inZero: true },
        }),
      },
    }),
  },
  status: { schema: structSchema({ replicas: {} }), inZero: true },
});
