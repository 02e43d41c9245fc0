import { test } from "node:test";
import type { KObject } from "../types.ts";
import { assertErrors, createErrors, updateErrors, type Expect } from "./testing.ts";

type Mutate = (o: any) => void;

function workload(kind: string, mutate: Mutate = () => {}): KObject {
  const o: any = {
    apiVersion: "apps/v1",
    kind,
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  };
  mutate(o);
  return o;
}

test("deployment validation", () => {
  const cases: [string, Mutate, Expect][] = [
    ["valid", () => {}, []],
    ["selector required", (o) => delete o.spec.selector, [["spec.selector", "Required value"]]],
    [
      "empty selector",
      (o) => (o.spec.selector = {}),
      [
        [
          "spec.selector",
          "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
        ],
      ],
    ],
    [
      "selector does not match",
      (o) => (o.spec.template.metadata.labels = { app: "other" }),
      [
        [
          "spec.template.metadata.labels",
          'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
        ],
      ],
    ],
    [
      "negative replicas",
      (o) => (o.spec.replicas = -1),
      [["spec.replicas", "Invalid value: -1: must be greater than or equal to 0"]],
    ],
    [
      "restartPolicy must be Always",
      (o) => (o.spec.template.spec.restartPolicy = "Never"),
      [
        [
          "spec.template.spec.restartPolicy",
          'Unsupported value: "Never": supported values: "Always"',
        ],
      ],
    ],
    [
      "rolling update with Recreate",
      (o) => (o.spec.strategy = { type: "Recreate", rollingUpdate: { maxSurge: 1 } }),
      [
        [
          "spec.strategy.rollingUpdate",
          "Forbidden: may not be specified when strategy `type` is 'Recreate'",
        ],
      ],
    ],
    [
      "both zero",
      (o) =>
        (o.spec.strategy = {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: 0, maxUnavailable: 0 },
        }),
      [
        [
          "spec.strategy.rollingUpdate.maxUnavailable",
          "Invalid value: 0: may not be 0 when `maxSurge` is 0",
        ],
      ],
    ],
    [
      "bad percent",
      (o) =>
        (o.spec.strategy = {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: "10", maxUnavailable: "150%" },
        }),
      [
        [
          "spec.strategy.rollingUpdate.maxUnavailable",
          'Invalid value: "150%": must not be greater than 100%',
        ],
        [
          "spec.strategy.rollingUpdate.maxSurge",
          /^Invalid value: "10": a valid percent string must be a numeric string followed by an ending '%' \(e\.g\. '1%', or '93%', regex/,
        ],
      ],
    ],
    [
      "template container errors use the template path",
      (o) => (o.spec.template.spec.containers[0].image = ""),
      [["spec.template.spec.containers[0].image", "Required value"]],
    ],
  ];
  for (const [name, mutate, want] of cases)
    assertErrors(createErrors("apps", "deployments", workload("Deployment", mutate)), want, name);
});

test("workload selectors are immutable", () => {
  for (const resource of ["deployments", "replicasets", "daemonsets", "statefulsets"]) {
    const kind = resource === "daemonsets" ? "DaemonSet" : "X";
    const old = workload(kind);
    createErrors("apps", resource, old);
    const changed = workload(kind, (o) => {
      o.spec.selector = { matchLabels: { app: "web", tier: "x" } };
      o.spec.template.metadata.labels.tier = "x";
    });
    assertErrors(
      updateErrors("apps", resource, changed, old),
      [
        [
          "spec.selector",
          'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
        ],
      ],
      resource,
    );
    const scaled = structuredClone(old) as any;
    scaled.spec.replicas = 3;
    assertErrors(updateErrors("apps", resource, scaled, old), [], `${resource} scale`);
  }
});

test("statefulset and daemonset specifics", () => {
  assertErrors(
    createErrors(
      "apps",
      "statefulsets",
      workload("StatefulSet", (o) => (o.spec.podManagementPolicy = "Random")),
    ),
    [["spec.podManagementPolicy", `Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`]],
    "policy",
  );
  assertErrors(
    createErrors(
      "apps",
      "daemonsets",
      workload("DaemonSet", (o) => (o.spec.selector = {})),
    ),
    [["spec.selector", /empty selector is invalid for daemonset$/]],
    "ds selector",
  );
  // Containers may mount a volumeClaimTemplate by its name; other names stay unknown.
  const mounting = (name: string) =>
    workload("StatefulSet", (o) => {
      o.spec.template.spec.containers[0].volumeMounts = [{ name, mountPath: "/data" }];
      o.spec.volumeClaimTemplates = [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ];
    });
  assertErrors(createErrors("apps", "statefulsets", mounting("data")), [], "claim mount");
  assertErrors(
    createErrors("apps", "statefulsets", mounting("other")),
    [["spec.template.spec.containers[0].volumeMounts[0].name", 'Not found: "other"']],
    "unknown mount",
  );
  const old = workload("StatefulSet");
  createErrors("apps", "statefulsets", old);
  const renamed = structuredClone(old) as any;
  renamed.spec.serviceName = "other";
  assertErrors(
    updateErrors("apps", "statefulsets", renamed, old),
    [["spec", /^Forbidden: updates to statefulset spec for fields other than 'replicas'/]],
    "sts update",
  );
});

test("replication controllers default their selector from the template", () => {
  const rc: any = {
    metadata: { name: "rc", namespace: "default" },
    spec: {
      template: {
        metadata: { labels: { app: "a" } },
        spec: { containers: [{ name: "c", image: "i" }] },
      },
    },
  };
  assertErrors(createErrors("", "replicationcontrollers", rc), [], "rc");
  const bad: any = structuredClone(rc);
  bad.spec.selector = { app: "b" };
  assertErrors(
    createErrors("", "replicationcontrollers", bad),
    [
      [
        "spec.template.metadata.labels",
        'Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`',
      ],
    ],
    "rc mismatch",
  );
});
