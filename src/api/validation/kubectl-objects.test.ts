import { test } from "node:test";
import { assertErrors, createErrors } from "./testing.ts";

// Bodies as kubectl 1.32's generators send them (namespace filled from the URL).
const bodies: [string, string, any][] = [
  [
    "",
    "pods",
    {
      kind: "Pod",
      apiVersion: "v1",
      metadata: { name: "x", namespace: "default", creationTimestamp: null, labels: { run: "x" } },
      spec: {
        containers: [{ name: "x", image: "busybox", resources: {} }],
        restartPolicy: "Always",
        dnsPolicy: "ClusterFirst",
      },
      status: {},
    },
  ],
  [
    "apps",
    "deployments",
    {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: {
        name: "web",
        namespace: "default",
        creationTimestamp: null,
        labels: { app: "web" },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  ],
  [
    "",
    "services",
    {
      kind: "Service",
      apiVersion: "v1",
      metadata: {
        name: "web",
        namespace: "default",
        creationTimestamp: null,
        labels: { app: "web" },
      },
      spec: {
        ports: [{ name: "80-80", protocol: "TCP", port: 80, targetPort: 80 }],
        selector: { app: "web" },
        type: "ClusterIP",
      },
      status: { loadBalancer: {} },
    },
  ],
  [
    "batch",
    "jobs",
    {
      kind: "Job",
      apiVersion: "batch/v1",
      metadata: { name: "pi", namespace: "default", uid: "u", creationTimestamp: null },
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [{ name: "pi", image: "perl", resources: {} }],
            restartPolicy: "Never",
          },
        },
      },
      status: {},
    },
  ],
  [
    "batch",
    "cronjobs",
    {
      kind: "CronJob",
      apiVersion: "batch/v1",
      metadata: { name: "hello", namespace: "default", creationTimestamp: null },
      spec: {
        jobTemplate: {
          metadata: { name: "hello", creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: {
                containers: [{ name: "hello", image: "busybox", resources: {} }],
                restartPolicy: "OnFailure",
              },
            },
          },
        },
        schedule: "*/1 * * * *",
      },
      status: {},
    },
  ],
  [
    "",
    "configmaps",
    {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "c", namespace: "default", creationTimestamp: null },
      data: { "a.txt": "x" },
    },
  ],
  [
    "",
    "secrets",
    {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name: "s", namespace: "default", creationTimestamp: null },
      data: { k: "dg==" },
    },
  ],
  [
    "",
    "namespaces",
    {
      kind: "Namespace",
      apiVersion: "v1",
      metadata: { name: "team", creationTimestamp: null },
      spec: {},
      status: {},
    },
  ],
  [
    "rbac.authorization.k8s.io",
    "roles",
    {
      kind: "Role",
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: { name: "r", namespace: "default", creationTimestamp: null },
      rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    },
  ],
  [
    "autoscaling",
    "horizontalpodautoscalers",
    {
      kind: "HorizontalPodAutoscaler",
      apiVersion: "autoscaling/v2",
      metadata: { name: "web", namespace: "default", creationTimestamp: null },
      spec: {
        scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" },
        maxReplicas: 3,
      },
      status: { currentMetrics: null, desiredReplicas: 0 },
    },
  ],
];

test("bodies kubectl generators send are valid after defaulting", () => {
  for (const [group, resource, body] of bodies)
    assertErrors(createErrors(group, resource, body), [], resource);
});
