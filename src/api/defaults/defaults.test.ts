import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinRegistry } from "../registry.ts";
import type { KObject } from "../types.ts";
import { computePodQOS, defaultPullPolicy } from "./pod.ts";

/** Runs a resource's create path: defaults, then prepareForCreate. */
function create(group: string, resource: string, obj: any): any {
  const def = builtinRegistry().get(
    group,
    group === "" ? "v1" : builtinRegistry().preferredVersion(group)!,
    resource,
  )!;
  def.strategy?.defaults?.(obj as KObject);
  def.strategy?.prepareForCreate?.(obj as KObject);
  return obj;
}

const container = () => ({ name: "c", image: "nginx" });

test("pull policy follows the image tag", () => {
  const cases: [string, string][] = [
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["nginx:1.27", "IfNotPresent"],
    ["registry:5000/nginx", "Always"],
    ["registry:5000/nginx:1", "IfNotPresent"],
    ["nginx@sha256:abc", "IfNotPresent"],
  ];
  for (const [image, want] of cases) assert.equal(defaultPullPolicy(image), want, image);
});

test("minimal pod gets upstream defaults, tolerations, phase and QoS", () => {
  const pod = create("", "pods", {
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ ...container(), ports: [{ containerPort: 80 }] }] },
  });
  assert.deepEqual(pod.spec.containers[0], {
    name: "c",
    image: "nginx",
    ports: [{ containerPort: 80, protocol: "TCP" }],
    // Upstream's JSON always has it (ResourceRequirements is held by value).
    resources: {},
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "Always",
  });
  const { containers, ...rest } = pod.spec;
  void containers;
  assert.deepEqual(rest, {
    dnsPolicy: "ClusterFirst",
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    securityContext: {},
    schedulerName: "default-scheduler",
    enableServiceLinks: true,
    priority: 0,
    preemptionPolicy: "PreemptLowerPriority",
  });
  assert.deepEqual(pod.status, { phase: "Pending", qosClass: "BestEffort" });
});

test("QoS classes", () => {
  const spec = (resources: unknown) => ({ containers: [{ ...container(), resources }] });
  assert.equal(computePodQOS(spec(undefined)), "BestEffort");
  assert.equal(computePodQOS(spec({ requests: { cpu: "100m" } })), "Burstable");
  assert.equal(
    computePodQOS(
      spec({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1Gi" } }),
    ),
    "Guaranteed",
  );
  const pod = create("", "pods", {
    metadata: { name: "p", namespace: "default" },
    spec: spec({ limits: { cpu: "1", memory: "1Gi" } }),
  });
  assert.deepEqual(pod.spec.containers[0].resources.requests, { cpu: "1", memory: "1Gi" });
  assert.equal(pod.status.qosClass, "Guaranteed");
});

test("minimal deployment gets upstream defaults and an empty status", () => {
  const d = create("apps", "deployments", {
    metadata: { name: "d", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [container()] } },
    },
    status: { replicas: 5 },
  });
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
  });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.template.spec.restartPolicy, "Always");
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, "Always");
  assert.equal(d.spec.template.spec.tolerations, undefined);
  assert.deepEqual(d.status, {});
});

test("pod templates get SetDefaults_PodSpec only: no enableServiceLinks, no requests from limits", () => {
  const limits = { cpu: "1", memory: "1Gi" };
  const d = create("apps", "deployments", {
    metadata: { name: "d", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: {
        metadata: { labels: { app: "d" } },
        spec: { containers: [{ ...container(), resources: { limits } }] },
      },
    },
  });
  const spec = d.spec.template.spec;
  assert.equal(spec.enableServiceLinks, undefined);
  assert.deepEqual(spec.containers[0].resources, { limits });
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  // The pods made from it get both.
  const pod = create("", "pods", { metadata: { name: "p", namespace: "default" }, spec });
  assert.equal(pod.spec.enableServiceLinks, true);
  assert.deepEqual(pod.spec.containers[0].resources.requests, limits);
});

test("minimal service gets upstream defaults", () => {
  const svc = create("", "services", {
    metadata: { name: "s", namespace: "default" },
    spec: { selector: { app: "x" }, ports: [{ port: 80 }] },
  });
  assert.deepEqual(svc.spec, {
    selector: { app: "x" },
    ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
    type: "ClusterIP",
    sessionAffinity: "None",
    internalTrafficPolicy: "Cluster",
    ipFamilyPolicy: "SingleStack",
    ipFamilies: ["IPv4"],
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });
  const np = create("", "services", {
    metadata: { name: "s", namespace: "default" },
    spec: { type: "NodePort", ports: [{ port: 80, targetPort: "http" }] },
  });
  assert.equal(np.spec.externalTrafficPolicy, "Cluster");
  assert.equal(np.spec.ports[0].targetPort, "http");
});

test("minimal job gets upstream defaults and a generated selector", () => {
  const job = create("batch", "jobs", {
    metadata: { name: "j", namespace: "default", uid: "u-1" },
    spec: { template: { spec: { containers: [container()], restartPolicy: "Never" } } },
  });
  const { template, ...spec } = job.spec;
  assert.deepEqual(spec, {
    completions: 1,
    parallelism: 1,
    backoffLimit: 6,
    completionMode: "NonIndexed",
    suspend: false,
    podReplacementPolicy: "TerminatingOrFailed",
    selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } },
  });
  const labels = {
    "batch.kubernetes.io/controller-uid": "u-1",
    "batch.kubernetes.io/job-name": "j",
    "controller-uid": "u-1",
    "job-name": "j",
  };
  assert.deepEqual(template.metadata.labels, labels);
  assert.deepEqual(job.metadata.labels, labels);
});

test("cronjob, statefulset and daemonset defaults", () => {
  const cj = create("batch", "cronjobs", {
    metadata: { name: "c", namespace: "default" },
    spec: {
      schedule: "* * * * *",
      jobTemplate: { spec: { template: { spec: { containers: [container()] } } } },
    },
  });
  assert.equal(cj.spec.concurrencyPolicy, "Allow");
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, "ClusterFirst");
  const sts = create("apps", "statefulsets", {
    metadata: { name: "s", namespace: "default" },
    spec: {},
  });
  assert.equal(sts.spec.podManagementPolicy, "OrderedReady");
  assert.deepEqual(sts.spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { partition: 0 },
  });
  const ds = create("apps", "daemonsets", {
    metadata: { name: "d", namespace: "default" },
    spec: {},
  });
  assert.deepEqual(ds.spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
});

test("namespaces get the name label, the kubernetes finalizer and phase Active", () => {
  const ns = create("", "namespaces", { metadata: { name: "team-a" } });
  assert.deepEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": "team-a" });
  assert.deepEqual(ns.spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(ns.status, { phase: "Active" });
});

test("main-resource updates keep status; /status updates keep spec and labels", () => {
  const def = builtinRegistry().get("apps", "v1", "deployments")!;
  const old: KObject = {
    metadata: { name: "d", labels: { a: "1" } },
    spec: { replicas: 1 },
    status: { replicas: 1 },
  };
  const update: KObject = {
    metadata: { name: "d", labels: { a: "2" } },
    spec: { replicas: 3 },
    status: { replicas: 9 },
  };
  def.strategy!.prepareForUpdate!(update, old);
  assert.deepEqual(update.status, { replicas: 1 });
  assert.deepEqual(update.spec, { replicas: 3 });
  const statusUpdate: KObject = {
    metadata: { name: "d", labels: { a: "3" } },
    spec: { replicas: 7 },
    status: { replicas: 2 },
  };
  def.strategy!.prepareForStatusUpdate!(statusUpdate, old);
  assert.deepEqual(statusUpdate.spec, { replicas: 1 });
  assert.deepEqual(statusUpdate.status, { replicas: 2 });
  assert.deepEqual(statusUpdate.metadata!.labels, { a: "1" });
});

test("secret stringData merges into data; limit range defaults", () => {
  const secret = create("", "secrets", {
    metadata: { name: "s", namespace: "default" },
    data: { a: "eA==", b: "eA==" },
    stringData: { b: "hi", c: "é" },
  });
  assert.deepEqual(secret.data, { a: "eA==", b: "aGk=", c: "w6k=" });
  assert.equal(secret.stringData, undefined);
  assert.equal(secret.type, "Opaque");
  const lr = create("", "limitranges", {
    metadata: { name: "l", namespace: "default" },
    spec: {
      limits: [
        { type: "Container", max: { cpu: "2" }, min: { memory: "1Mi" } },
        { type: "Pod", max: { cpu: "4" } },
      ],
    },
  });
  assert.deepEqual(lr.spec.limits[0].default, { cpu: "2" });
  assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: "2", memory: "1Mi" });
  assert.equal(lr.spec.limits[1].default, undefined);
});

test("node allocatable defaults to capacity", () => {
  const node = create("", "nodes", {
    metadata: { name: "n1" },
    status: { capacity: { cpu: "2", pods: "110" } },
  });
  assert.deepEqual(node.status.allocatable, { cpu: "2", pods: "110" });
  const explicit = create("", "nodes", {
    metadata: { name: "n2" },
    status: { capacity: { cpu: "2" }, allocatable: { cpu: "1900m" } },
  });
  assert.deepEqual(explicit.status.allocatable, { cpu: "1900m" });
});
