import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinPackages, builtinSchemas } from "./builtin.ts";
import { builtinResources } from "../registry.ts";

test("the built-in schema table is consistent (refs resolve, protobuf numbers unique)", () => {
  assert.deepEqual(builtinSchemas().check(), []);
  assert.equal(builtinSchemas(), builtinSchemas(), "memoized");
});

test("every package is named as upstream OpenAPI names it", () => {
  for (const pkg of builtinPackages()) {
    assert.match(
      pkg.name,
      /^io\.k8s\.(api\.[a-z0-9]+\.v[0-9a-z]+|apimachinery\.pkg\.[a-z.0-9]+|kube-aggregator\.pkg\.apis\.[a-z]+\.v[0-9a-z]+|apiextensions-apiserver\.pkg\.apis\.[a-z]+\.v[0-9a-z]+)$/,
      pkg.name,
    );
  }
});

test("kinds and lists of the named groups resolve to their types", () => {
  const reg = builtinSchemas();
  const table: [string, string, string, string][] = [
    ["apps", "v1", "Deployment", "io.k8s.api.apps.v1.Deployment"],
    ["apps", "v1", "StatefulSetList", "io.k8s.api.apps.v1.StatefulSetList"],
    ["batch", "v1", "CronJob", "io.k8s.api.batch.v1.CronJob"],
    ["autoscaling", "v1", "Scale", "io.k8s.api.autoscaling.v1.Scale"],
    [
      "autoscaling",
      "v2",
      "HorizontalPodAutoscaler",
      "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    ],
    ["policy", "v1", "Eviction", "io.k8s.api.policy.v1.Eviction"],
    ["coordination.k8s.io", "v1", "Lease", "io.k8s.api.coordination.v1.Lease"],
    ["discovery.k8s.io", "v1", "EndpointSlice", "io.k8s.api.discovery.v1.EndpointSlice"],
    ["networking.k8s.io", "v1", "IngressClassList", "io.k8s.api.networking.v1.IngressClassList"],
    ["storage.k8s.io", "v1", "StorageClass", "io.k8s.api.storage.v1.StorageClass"],
    ["scheduling.k8s.io", "v1", "PriorityClass", "io.k8s.api.scheduling.v1.PriorityClass"],
    ["events.k8s.io", "v1", "Event", "io.k8s.api.events.v1.Event"],
    ["node.k8s.io", "v1", "RuntimeClass", "io.k8s.api.node.v1.RuntimeClass"],
    [
      "rbac.authorization.k8s.io",
      "v1",
      "ClusterRoleBinding",
      "io.k8s.api.rbac.v1.ClusterRoleBinding",
    ],
    ["authentication.k8s.io", "v1", "TokenRequest", "io.k8s.api.authentication.v1.TokenRequest"],
    [
      "authentication.k8s.io",
      "v1",
      "SelfSubjectReview",
      "io.k8s.api.authentication.v1.SelfSubjectReview",
    ],
    [
      "authorization.k8s.io",
      "v1",
      "SelfSubjectRulesReview",
      "io.k8s.api.authorization.v1.SelfSubjectRulesReview",
    ],
    [
      "certificates.k8s.io",
      "v1",
      "CertificateSigningRequest",
      "io.k8s.api.certificates.v1.CertificateSigningRequest",
    ],
  ];
  for (const [group, version, kind, type] of table) {
    assert.equal(reg.typeForKind(group, version, kind), type, `${group}/${version} ${kind}`);
  }
});

test("every served resource kind has a schema (connect option kinds aside)", () => {
  const reg = builtinSchemas();
  const missing: string[] = [];
  for (const r of builtinResources()) {
    if (!reg.typeForKind(r.group, r.version, r.kind))
      missing.push(`${r.group}/${r.version} ${r.kind}`);
    for (const s of r.subresources ?? []) {
      if (s.kind.endsWith("Options")) continue;
      const g = s.group ?? r.group;
      const v = s.version ?? r.version;
      if (!reg.typeForKind(g, v, s.kind)) missing.push(`${r.resource}/${s.name} ${s.kind}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("pointer fields keep zero values the way upstream's Go types do", () => {
  const reg = builtinSchemas();
  const table: [string, string, boolean][] = [
    ["io.k8s.api.apps.v1.DeploymentSpec", "replicas", true],
    ["io.k8s.api.apps.v1.DeploymentSpec", "minReadySeconds", false],
    ["io.k8s.api.apps.v1.ReplicaSetStatus", "replicas", true],
    ["io.k8s.api.batch.v1.JobSpec", "suspend", true],
    ["io.k8s.api.scheduling.v1.PriorityClass", "value", true],
    ["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec", "maxReplicas", true],
    ["io.k8s.api.authorization.v1.SubjectAccessReviewStatus", "allowed", true],
    ["io.k8s.api.authorization.v1.SubjectAccessReviewStatus", "denied", false],
  ];
  for (const [type, field, keeps] of table) {
    const opts = reg.field(type, field)?.spec[2] ?? {};
    assert.equal(Boolean(opts.pointer || opts.required), keeps, `${type}.${field}`);
  }
});
