import { test } from "node:test";
import assert from "node:assert/strict";
import {
  openapiHash,
  openapiJSON,
  openapiV3Document,
  openapiV3Index,
  type OpenAPIObject,
} from "./openapi.ts";
import { builtinSchemas } from "./builtin.ts";
import { appsResources } from "../resources/apps.ts";
import { coreResources } from "../resources/core.ts";
import { builtinResources } from "../registry.ts";

type Obj = Record<string, any>;
const reg = builtinSchemas();
const apps = openapiV3Document("apps", "v1", appsResources(), reg) as Obj;
const core = openapiV3Document("", "v1", coreResources(), reg) as Obj;

/** Every "$ref" string anywhere in a document. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref") out.push(v as string);
      else refs(v, out);
    }
  }
  return out;
}

/** kubectl's check (cli-runtime queryParamVerifierV3): the first PATCH op for the GVK decides. */
function supportsFieldValidation(doc: Obj, gvk: Obj): boolean {
  for (const item of Object.values(doc.paths) as Obj[]) {
    const op = item.patch;
    if (!op) continue;
    const g = op["x-kubernetes-group-version-kind"];
    if (g?.group !== gvk.group || g?.version !== gvk.version || g?.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p: Obj) => p.name === "fieldValidation");
  }
  return false;
}

/** kubectl explain's lookup: GVK from the resource's paths, then a schema listing that GVK. */
function explainSchema(doc: Obj, prefix: string, resource: string): Obj | undefined {
  const search = [`${prefix}/${resource}`, `${prefix}/namespaces/{namespace}/${resource}`];
  let gvk: Obj | undefined;
  for (const p of search) {
    for (const m of ["get", "post", "put", "patch", "delete"]) {
      gvk ??= doc.paths[p]?.[m]?.["x-kubernetes-group-version-kind"];
    }
  }
  if (!gvk) return undefined;
  return Object.values(doc.components.schemas as Obj).find((s: Obj) =>
    (s["x-kubernetes-group-version-kind"] ?? []).some(
      (g: Obj) => JSON.stringify(g) === JSON.stringify(gvk),
    ),
  );
}

test("every $ref of the apps/v1 and core/v1 documents resolves", () => {
  for (const doc of [apps, core]) {
    const all = refs(doc);
    assert.ok(all.length > 50);
    for (const ref of all) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(doc.components.schemas[ref.slice(21)], `dangling ${ref}`);
    }
  }
});

test("apps/v1 Deployment schema carries GVK, required and patch extensions", () => {
  const s = apps.components.schemas;
  const dep = s["io.k8s.api.apps.v1.Deployment"];
  assert.deepEqual(dep["x-kubernetes-group-version-kind"], [
    { group: "apps", kind: "Deployment", version: "v1" },
  ]);
  assert.deepEqual(Object.keys(dep.properties), [
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "status",
  ]);
  assert.deepEqual(dep.properties.spec.allOf, [
    { $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" },
  ]);
  const spec = s["io.k8s.api.apps.v1.DeploymentSpec"];
  assert.deepEqual(spec.required, ["selector", "template"]);
  assert.deepEqual(spec.properties.replicas, {
    type: "integer",
    format: "int32",
    description: spec.properties.replicas.description,
  });
  assert.equal(spec.properties.strategy["x-kubernetes-patch-strategy"], "retainKeys");
  const conds = s["io.k8s.api.apps.v1.DeploymentStatus"].properties.conditions;
  assert.equal(conds.type, "array");
  assert.equal(conds["x-kubernetes-patch-merge-key"], "type");
  assert.equal(conds["x-kubernetes-patch-strategy"], "merge");
  assert.equal(conds["x-kubernetes-list-type"], "map");
  assert.deepEqual(conds["x-kubernetes-list-map-keys"], ["type"]);
  const surge = s["io.k8s.api.apps.v1.RollingUpdateDeployment"].properties.maxSurge;
  assert.deepEqual(surge.allOf, [
    { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" },
  ]);
  assert.equal(
    s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["x-kubernetes-int-or-string"],
    true,
  );
  assert.equal(s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].format, "date-time");
  // Core types reached through the pod template are included.
  const containers = s["io.k8s.api.core.v1.PodSpec"].properties.containers;
  assert.equal(containers["x-kubernetes-patch-merge-key"], "name");
  assert.ok(s["io.k8s.api.core.v1.Container"]);
  assert.ok(s["io.k8s.api.autoscaling.v1.Scale"], "scale subresource type");
});

test("PATCH operations carry fieldValidation and the patch content types", () => {
  const item = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  assert.equal(item.patch["x-kubernetes-action"], "patch");
  assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], {
    group: "apps",
    kind: "Deployment",
    version: "v1",
  });
  assert.ok(item.patch.requestBody.content["application/strategic-merge-patch+json"]);
  assert.ok(apps.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"]);
  for (const kind of [
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "ControllerRevision",
  ]) {
    assert.ok(supportsFieldValidation(apps, { group: "apps", version: "v1", kind }), kind);
  }
  for (const kind of ["Pod", "ConfigMap", "Secret", "Namespace", "Service", "Node"]) {
    assert.ok(supportsFieldValidation(core, { group: "", version: "v1", kind }), kind);
  }
  assert.equal(
    supportsFieldValidation(apps, { group: "apps", version: "v1", kind: "Nothing" }),
    false,
  );
});

test("paths cover list, item, all-namespaces and subresources", () => {
  const ops = (doc: Obj, path: string) => Object.keys(doc.paths[path] ?? {}).sort();
  assert.deepEqual(ops(apps, "/apis/apps/v1/namespaces/{namespace}/deployments"), [
    "delete",
    "get",
    "parameters",
    "post",
  ]);
  assert.deepEqual(ops(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"), [
    "delete",
    "get",
    "parameters",
    "patch",
    "put",
  ]);
  assert.deepEqual(ops(apps, "/apis/apps/v1/deployments"), ["get", "parameters"]);
  const scale = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  assert.deepEqual(scale.get["x-kubernetes-group-version-kind"], {
    group: "autoscaling",
    kind: "Scale",
    version: "v1",
  });
  const list = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments"].get;
  assert.equal(list["x-kubernetes-action"], "list");
  assert.equal(list.operationId, "listAppsV1NamespacedDeployment");
  assert.deepEqual(list.responses["200"].content["application/json"].schema, {
    $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentList",
  });
  const evict = core.paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"];
  assert.deepEqual(evict.post["x-kubernetes-group-version-kind"], {
    group: "policy",
    kind: "Eviction",
    version: "v1",
  });
  assert.ok(core.components.schemas["io.k8s.api.policy.v1.Eviction"]);
  assert.ok(ops(core, "/api/v1/nodes/{name}").includes("patch"), "cluster-scoped item path");
});

test("kubectl explain finds each kind's schema through its paths", () => {
  for (const [doc, prefix, resource, kind] of [
    [apps, "/apis/apps/v1", "deployments", "Deployment"],
    [apps, "/apis/apps/v1", "statefulsets", "StatefulSet"],
    [core, "/api/v1", "pods", "Pod"],
    [core, "/api/v1", "nodes", "Node"],
  ] as const) {
    const schema = explainSchema(doc, prefix, resource);
    assert.equal(schema?.["x-kubernetes-group-version-kind"]?.[0]?.kind, kind);
  }
});

test("documents, JSON and hashes are deterministic", () => {
  const again = openapiV3Document("apps", "v1", appsResources(), reg);
  const a = openapiJSON(apps);
  assert.equal(openapiJSON(again), a);
  assert.equal(JSON.stringify(apps), a, "document is already key-sorted");
  const hash = openapiHash(a);
  assert.match(hash, /^[0-9A-F]{128}$/);
  assert.notEqual(openapiHash(openapiJSON(core)), hash);
});

test("openapiV3Index lists group-versions with hashed URLs, sorted", () => {
  const index = openapiV3Index(
    [
      { group: "apps", version: "v1" },
      { group: "", version: "v1" },
      { group: "autoscaling", version: "v2" },
    ],
    (gv) => `H${gv.group}`,
  );
  assert.deepEqual(index, {
    paths: {
      "api/v1": { serverRelativeURL: "/openapi/v3/api/v1?hash=H" },
      "apis/apps/v1": { serverRelativeURL: "/openapi/v3/apis/apps/v1?hash=Happs" },
      "apis/autoscaling/v2": {
        serverRelativeURL: "/openapi/v3/apis/autoscaling/v2?hash=Hautoscaling",
      },
    },
  });
});

test("a document for a kind with no schema still builds, without dangling refs", () => {
  const doc = openapiV3Document(
    "example.io",
    "v1",
    [{ resource: "things", kind: "Thing", namespaced: true }],
    reg,
  ) as OpenAPIObject;
  assert.deepEqual(
    refs(doc).filter((r) => !(doc.components as Obj).schemas[r.slice(21)]),
    [],
  );
});

test("every served resource is explainable and patchable with server-side validation", () => {
  const byGV = new Map<string, ReturnType<typeof builtinResources>>();
  for (const r of builtinResources()) {
    const key = `${r.group}/${r.version}`;
    byGV.set(key, [...(byGV.get(key) ?? []), r]);
  }
  for (const list of byGV.values()) {
    const { group, version } = list[0]!;
    const doc = openapiV3Document(group, version, list, reg) as Obj;
    const prefix = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
    for (const r of list) {
      const schema = explainSchema(doc, prefix, r.resource);
      assert.equal(
        schema?.["x-kubernetes-group-version-kind"]?.[0]?.kind,
        r.kind,
        `${prefix} ${r.resource}`,
      );
      if ((r.verbs ?? ["patch"]).includes("patch")) {
        assert.ok(
          supportsFieldValidation(doc, { group, version, kind: r.kind }),
          `${prefix} ${r.kind}`,
        );
      }
    }
  }
});
