import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Registry,
  RegistryConflictError,
  builtinRegistry,
  compareKubeVersions,
} from "./registry.ts";
import type { ResourceDef } from "./types.ts";
import { loadCel } from "../cel/lazy.ts";

test("builtinRegistry is memoized", () => {
  assert.equal(builtinRegistry(), builtinRegistry());
});

test("get and byKind find the served definitions", () => {
  const reg = builtinRegistry();
  const cases: [string, string, string, string, boolean][] = [
    ["", "v1", "pods", "Pod", true],
    ["", "v1", "namespaces", "Namespace", false],
    ["", "v1", "nodes", "Node", false],
    ["apps", "v1", "deployments", "Deployment", true],
    ["batch", "v1", "cronjobs", "CronJob", true],
    ["autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true],
    ["autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true],
    ["events.k8s.io", "v1", "events", "Event", true],
    ["rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false],
    ["scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false],
  ];
  for (const [group, version, resource, kind, namespaced] of cases) {
    const def = reg.get(group, version, resource);
    assert.ok(def, `${group}/${version}/${resource}`);
    assert.equal(def.kind, kind);
    assert.equal(def.namespaced, namespaced, resource);
    assert.equal(reg.byKind(group, version, kind), def);
  }
  assert.equal(reg.get("", "v1", "deployments"), undefined);
  assert.equal(reg.get("apps", "v2", "deployments"), undefined);
  assert.equal(reg.byKind("", "v1", "Deployment"), undefined);
});

test("short names, categories and verbs match upstream", () => {
  const reg = builtinRegistry();
  const cases: [string, string, string[], string[] | undefined][] = [
    ["", "pods", ["po"], ["all"]],
    ["", "services", ["svc"], ["all"]],
    ["", "replicationcontrollers", ["rc"], ["all"]],
    ["", "configmaps", ["cm"], undefined],
    ["", "resourcequotas", ["quota"], undefined],
    ["apps", "deployments", ["deploy"], ["all"]],
    ["apps", "statefulsets", ["sts"], ["all"]],
    ["batch", "cronjobs", ["cj"], ["all"]],
    ["networking.k8s.io", "networkpolicies", ["netpol"], undefined],
    ["policy", "poddisruptionbudgets", ["pdb"], undefined],
  ];
  for (const [group, resource, shortNames, categories] of cases) {
    const def = reg.get(group, reg.preferredVersion(group)!, resource)!;
    assert.deepEqual(def.shortNames, shortNames, resource);
    assert.deepEqual(def.categories, categories, resource);
  }
  assert.deepEqual(reg.get("", "v1", "bindings")!.verbs, ["create"]);
  assert.deepEqual(reg.get("", "v1", "componentstatuses")!.verbs, ["get", "list"]);
  assert.ok(!reg.get("", "v1", "namespaces")!.verbs!.includes("deletecollection"));
  assert.equal(reg.get("", "v1", "events")!.ttlSeconds, 3600);
});

test("subresources carry upstream kinds and verbs", () => {
  const reg = builtinRegistry();
  const pods = reg.get("", "v1", "pods")!;
  const names = pods.subresources!.map((s) => s.name).sort();
  assert.deepEqual(names, [
    "attach",
    "binding",
    "ephemeralcontainers",
    "eviction",
    "exec",
    "log",
    "portforward",
    "proxy",
    "status",
  ]);
  const eviction = pods.subresources!.find((s) => s.name === "eviction")!;
  assert.deepEqual([eviction.group, eviction.version, eviction.kind], ["policy", "v1", "Eviction"]);
  const scale = reg
    .get("apps", "v1", "deployments")!
    .subresources!.find((s) => s.name === "scale")!;
  assert.deepEqual([scale.group, scale.version, scale.kind], ["autoscaling", "v1", "Scale"]);
  const token = reg.get("", "v1", "serviceaccounts")!.subresources![0];
  assert.equal(token.kind, "TokenRequest");
});

test("HPA versions share one storage", () => {
  const reg = builtinRegistry();
  const v1 = reg.get("autoscaling", "v1", "horizontalpodautoscalers")!;
  const v2 = reg.get("autoscaling", "v2", "horizontalpodautoscalers")!;
  assert.deepEqual(v1.storage, v2.storage);
  assert.equal(v1.storage!.version, "v2");
  assert.equal(typeof v1.convert, "function");
});

test("groupVersions lists core first and marks the preferred version", () => {
  const gvs = builtinRegistry().groupVersions();
  assert.deepEqual(gvs[0], { group: "", version: "v1", preferred: true });
  const autoscaling = gvs.filter((gv) => gv.group === "autoscaling");
  assert.deepEqual(autoscaling, [
    { group: "autoscaling", version: "v2", preferred: true },
    { group: "autoscaling", version: "v1", preferred: false },
  ]);
  assert.ok(gvs.some((gv) => gv.group === "apps" && gv.version === "v1" && gv.preferred));
});

test("resourcesIn lists one group version", () => {
  const apps = builtinRegistry()
    .resourcesIn("apps", "v1")
    .map((d) => d.resource);
  assert.deepEqual(apps.sort(), [
    "controllerrevisions",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
  ]);
  assert.deepEqual(builtinRegistry().resourcesIn("apps", "v9"), []);
});

test("resolve accepts plural, singular, short and qualified names", () => {
  const reg = builtinRegistry();
  const cases: [string, string | undefined][] = [
    ["po", "pods"],
    ["Pod", "pods"],
    ["deploy", "deployments"],
    ["deployments.apps", "deployments"],
    ["hpa", "horizontalpodautoscalers"],
    ["nosuch", undefined],
  ];
  for (const [name, resource] of cases) assert.equal(reg.resolve(name)?.resource, resource, name);
  assert.equal(reg.resolve("hpa")!.version, "v2");
});

test("Registry rejects duplicate resources", () => {
  const def: ResourceDef = {
    group: "x",
    version: "v1",
    resource: "things",
    singular: "thing",
    kind: "Thing",
    namespaced: true,
  };
  assert.throws(() => new Registry([def, { ...def }]), /already registered/);
});

test("compareKubeVersions orders as upstream", () => {
  const versions = ["v1alpha1", "v1", "v1beta1", "v2", "v1beta2", "v11alpha2", "v2beta1"];
  assert.deepEqual(versions.sort(compareKubeVersions), [
    "v2",
    "v1",
    "v2beta1",
    "v1beta2",
    "v1beta1",
    "v11alpha2",
    "v1alpha1",
  ]);
});

test("every resource has a strategy that validates ObjectMeta", async () => {
  for (const def of builtinRegistry().all()) {
    // As the REST store does: CEL is loaded before validators that use it.
    if (def.strategy?.usesCel) await loadCel();
    const validate = def.strategy?.validate;
    assert.ok(validate, `${def.group}/${def.resource} has no validate`);
    const errs = validate({ metadata: {} });
    assert.ok(
      errs.some((e) => e.field === "metadata.name"),
      `${def.group}/${def.resource} does not check metadata.name`,
    );
    if (def.subresources?.some((s) => s.name === "status")) {
      assert.ok(
        def.strategy?.prepareForStatusUpdate,
        `${def.group}/${def.resource} lacks prepareForStatusUpdate`,
      );
    }
  }
});

test("field selectors read upstream fields", () => {
  const reg = builtinRegistry();
  const pods = reg.get("", "v1", "pods")!.fieldSelectors!;
  const pod = {
    spec: { nodeName: "n1", hostNetwork: true },
    status: { phase: "Running", podIPs: [{ ip: "10.0.0.1" }] },
  };
  assert.equal(pods["spec.nodeName"](pod), "n1");
  assert.equal(pods["spec.hostNetwork"](pod), "true");
  assert.equal(pods["status.phase"](pod), "Running");
  assert.equal(pods["status.podIP"](pod), "10.0.0.1");
  assert.equal(pods["spec.nodeName"]({ spec: {} }), "", "unscheduled pods match spec.nodeName=");
  const events = reg.get("", "v1", "events")!.fieldSelectors!;
  const ev = {
    involvedObject: { kind: "Pod", name: "web" },
    reportingComponent: "kubelet",
    type: "Warning",
  };
  assert.equal(events["involvedObject.name"](ev), "web");
  assert.equal(events["source"](ev), "kubelet");
  assert.equal(reg.get("", "v1", "secrets")!.fieldSelectors!["type"]({ type: "Opaque" }), "Opaque");
  assert.equal(
    reg.get("", "v1", "nodes")!.fieldSelectors!["spec.unschedulable"]({ spec: {} }),
    "false",
  );
  assert.equal(
    reg
      .get("apps", "v1", "replicasets")!
      .fieldSelectors!["status.replicas"]({ status: { replicas: 3 } }),
    "3",
  );
  assert.equal(
    reg.get("batch", "v1", "jobs")!.fieldSelectors!["status.successful"]({ status: {} }),
    "0",
  );
});

test("dynamic definitions are added, replaced and removed per owner", () => {
  const reg = new Registry([
    { group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod", namespaced: true },
  ]);
  const def = (version: string, resource = "widgets"): ResourceDef => ({
    group: "example.com",
    version,
    resource,
    singular: resource.slice(0, -1),
    kind: "Widget",
    namespaced: true,
    shortNames: ["wd"],
  });
  let changes = 0;
  const off = reg.onChange(() => changes++);
  const gen = reg.generation;
  reg.setDynamic("widgets.example.com", [def("v1"), def("v2beta1")]);
  assert.equal(changes, 1);
  assert.equal(reg.generation, gen + 1);
  assert.equal(reg.get("example.com", "v2beta1", "widgets")?.version, "v2beta1");
  assert.equal(reg.preferredVersion("example.com"), "v1");
  assert.deepEqual(
    reg.groupVersions().map((g) => `${g.group}/${g.version}`),
    ["/v1", "example.com/v1", "example.com/v2beta1"],
  );
  assert.equal(reg.resolve("wd")?.resource, "widgets");
  assert.equal(reg.ownerOf("example.com", "v1", "widgets"), "widgets.example.com");
  assert.equal(reg.ownerOf("", "v1", "pods"), "");
  // A conflicting owner changes nothing.
  assert.throws(() => reg.setDynamic("other", [def("v1")]), RegistryConflictError);
  assert.equal(reg.ownerOf("example.com", "v1", "widgets"), "widgets.example.com");
  assert.equal(changes, 1);
  reg.setDynamic("widgets.example.com", [def("v2")]);
  assert.equal(reg.get("example.com", "v1", "widgets"), undefined);
  assert.equal(reg.preferredVersion("example.com"), "v2");
  reg.setDynamic("widgets.example.com", []);
  assert.equal(reg.resourcesIn("example.com", "v2").length, 0);
  assert.equal(reg.preferredVersion("example.com"), undefined);
  assert.equal(changes, 3);
  off();
  reg.setDynamic("widgets.example.com", [def("v1")]);
  assert.equal(changes, 3);
});
