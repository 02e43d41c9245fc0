import { test } from "node:test";
import assert from "node:assert/strict";
import { SchemaRegistry } from "../schema-registry.ts";
import { coreV1 } from "./core-v1.ts";
import { metaV1, runtimeTypes } from "./meta-v1.ts";

const registry = new SchemaRegistry([metaV1, runtimeTypes, coreV1]);
const CORE = "io.k8s.api.core.v1";

test("core/v1 and meta/v1 tables are self-consistent (refs resolve, numbers unique)", () => {
  assert.deepEqual(registry.check(), []);
});

test("every core/v1 kind and its list is served under v1", () => {
  const kinds = [
    "Pod",
    "Binding",
    "Namespace",
    "Node",
    "Service",
    "Endpoints",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Event",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ReplicationController",
    "LimitRange",
    "ResourceQuota",
    "PodTemplate",
    "ComponentStatus",
  ];
  for (const kind of kinds) {
    assert.equal(registry.typeForKind("", "v1", kind), `${CORE}.${kind}`, kind);
    if (kind !== "Binding") {
      assert.equal(
        registry.typeForKind("", "v1", `${kind}List`),
        `${CORE}.${kind}List`,
        `${kind}List`,
      );
    }
  }
});

test("well-known wire facts and patch keys", () => {
  const cases: [string, string, number, Record<string, unknown>][] = [
    ["PodSpec", "containers", 2, { patchStrategy: "merge", patchMergeKey: "name" }],
    ["PodSpec", "volumes", 1, { patchStrategy: "merge,retainKeys", patchMergeKey: "name" }],
    ["PodSpec", "tolerations", 22, { listType: "atomic" }],
    ["PodSpec", "imagePullSecrets", 15, { patchMergeKey: "name" }],
    ["PodSpec", "hostAliases", 23, { patchMergeKey: "ip" }],
    ["PodSpec", "ephemeralContainers", 34, {}],
    [
      "Container",
      "ports",
      6,
      { patchMergeKey: "containerPort", listMapKeys: ["containerPort", "protocol"] },
    ],
    ["Container", "env", 7, { patchMergeKey: "name" }],
    ["Container", "volumeMounts", 9, { patchMergeKey: "mountPath" }],
    ["Container", "envFrom", 19, {}],
    ["ServiceSpec", "ports", 1, { patchMergeKey: "port" }],
    ["ServiceSpec", "clusterIPs", 18, {}],
    ["Secret", "data", 2, {}],
    ["Secret", "type", 3, {}],
    ["ConfigMap", "binaryData", 3, {}],
    ["NodeStatus", "conditions", 4, { patchMergeKey: "type" }],
    ["Probe", "exec", 1, { inlineIn: 1 }],
    ["Volume", "configMap", 19, { inlineIn: 2 }],
    ["PersistentVolumeSpec", "csi", 22, { inlineIn: 2 }],
    ["EphemeralContainer", "image", 2, { inlineIn: 1 }],
    ["Event", "eventTime", 10, {}],
  ];
  for (const [type, field, num, opts] of cases) {
    const got = registry.field(`${CORE}.${type}`, field);
    assert.ok(got, `${type}.${field} missing`);
    assert.equal(got.spec[0], num, `${type}.${field} number`);
    for (const [k, v] of Object.entries(opts)) {
      assert.deepEqual((got.spec[2] as Record<string, unknown>)[k], v, `${type}.${field} ${k}`);
    }
  }
  const meta = "io.k8s.apimachinery.pkg.apis.meta.v1";
  assert.equal(registry.field(`${meta}.ObjectMeta`, "managedFields")?.spec[0], 17);
  assert.equal(
    registry.field(`${meta}.ObjectMeta`, "ownerReferences")?.spec[2]?.patchMergeKey,
    "uid",
  );
  assert.equal(registry.field(`${meta}.OwnerReference`, "apiVersion")?.spec[0], 5);
});

test("every core/v1 field has a description", () => {
  for (const [name, spec] of Object.entries(coreV1.types)) {
    assert.ok(spec.description, `${name} has no description`);
    for (const [field, [, , opts]] of Object.entries(spec.fields)) {
      assert.ok(opts?.description, `${name}.${field} has no description`);
    }
  }
});
