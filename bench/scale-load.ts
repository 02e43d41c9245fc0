/**
 * The objects bench:scale creates, shaped like ClusterLoader2's "load" test:
 * per namespace, Deployments of three sizes (big 250, medium 30, small 5
 * replicas, a quarter, a quarter and half of the pods, as CL2), a ConfigMap
 * and a Secret per Deployment, a Service for every other Deployment (CL2
 * assigns half of them one), and Jobs for a tenth of the pods.
 * Pods request little (10m CPU, 10Mi) so 110 fit a simulated node. Their
 * pods carry `group: load`; the latency pods of CL2's pod-startup-latency
 * module (1-replica Deployments, 100m CPU, 350M memory) carry `group: latency`.
 */
import type { KObject } from "../src/api/types.ts";

export interface WorkloadObject {
  kind: "Deployment" | "Job" | "Service" | "ConfigMap" | "Secret";
  namespace: string;
  name: string;
  /** Pods it asks for (Deployments, Jobs). */
  replicas: number;
  /** The pods' group label (default load). */
  group?: "load" | "latency";
}

export interface WorkloadPlan {
  namespaces: string[];
  objects: WorkloadObject[];
  deploymentPods: number;
  jobPods: number;
}

const sizes = [
  { name: "big", replicas: 250, share: 0.25 },
  { name: "medium", replicas: 30, share: 0.25 },
  { name: "small", replicas: 5, share: 0.5 },
];

/** Splits `pods` over namespaces of at most podsPerNamespace; about 10% of pods are Job pods. */
export function planWorkload(
  pods: number,
  podsPerNamespace = 3000,
  prefix = "scale",
): WorkloadPlan {
  const nsCount = Math.max(1, Math.ceil(pods / podsPerNamespace));
  const namespaces = Array.from({ length: nsCount }, (_, i) => `${prefix}-${i}`);
  const objects: WorkloadObject[] = [];
  let deploymentPods = 0;
  let jobPods = 0;
  namespaces.forEach((ns, n) => {
    const nsPods = Math.floor(pods / nsCount) + (n < pods % nsCount ? 1 : 0);
    const jobs = Math.floor(nsPods / 10);
    let left = nsPods - jobs;
    for (const size of sizes) {
      const want =
        size === sizes[sizes.length - 1] ? left : Math.round((nsPods - jobs) * size.share);
      let budget = Math.min(want, left);
      for (let i = 0; budget > 0; i++) {
        const replicas = Math.min(size.replicas, budget);
        const name = `${size.name}-${i}`;
        objects.push({ kind: "ConfigMap", namespace: ns, name, replicas: 0 });
        objects.push({ kind: "Secret", namespace: ns, name, replicas: 0 });
        // As CL2: Services for half of the Deployments, each selecting one Deployment's pods.
        if (i % 2 === 0) objects.push({ kind: "Service", namespace: ns, name, replicas: 0 });
        objects.push({ kind: "Deployment", namespace: ns, name, replicas });
        deploymentPods += replicas;
        budget -= replicas;
        left -= replicas;
      }
    }
    for (let i = 0, j = jobs; j > 0; i++) {
      const replicas = Math.min(10, j);
      objects.push({ kind: "Job", namespace: ns, name: `job-${i}`, replicas });
      jobPods += replicas;
      j -= replicas;
    }
  });
  return { namespaces, objects, deploymentPods, jobPods };
}

/**
 * CL2's latency Deployments: `count` 1-replica Deployments spread
 * round-robin over the namespaces (latency-deployment-N).
 */
export function planLatency(namespaces: readonly string[], count: number): WorkloadObject[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: "Deployment" as const,
    namespace: namespaces[i % namespaces.length]!,
    name: `latency-deployment-${Math.floor(i / namespaces.length)}`,
    replicas: 1,
    group: "latency" as const,
  }));
}

/**
 * CL2's "scale" step: each Deployment to a uniformly random size in
 * [X/2, 3X/2] (rounded; at least 1), from a seeded generator so runs repeat.
 */
export function scaleTargets(replicas: readonly number[], seed = 1): number[] {
  let a = seed >>> 0;
  const random = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return replicas.map((x) => {
    const lo = Math.max(1, Math.ceil(x / 2));
    const hi = Math.max(lo, Math.floor((3 * x) / 2));
    return lo + Math.floor(random() * (hi - lo + 1));
  });
}

const podTemplate = (
  app: string,
  restartPolicy: "Always" | "Never",
  group: "load" | "latency" = "load",
) => ({
  metadata: { labels: { app, bench: "scale", group } },
  spec: {
    restartPolicy,
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: "main",
        image: "registry.k8s.io/pause:3.10",
        imagePullPolicy: "IfNotPresent",
        resources: {
          requests:
            group === "latency" ? { cpu: "100m", memory: "350M" } : { cpu: "10m", memory: "10Mi" },
        },
      },
    ],
  },
});

/** The API object for a planned object. */
export function manifest(o: WorkloadObject): KObject {
  const metadata = { name: o.name, namespace: o.namespace, labels: { bench: "scale" } };
  switch (o.kind) {
    case "Deployment":
      return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata,
        spec: {
          replicas: o.replicas,
          selector: { matchLabels: { app: o.name } },
          template: podTemplate(o.name, "Always", o.group),
        },
      } as KObject;
    case "Job":
      return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata,
        spec: {
          completions: o.replicas,
          parallelism: o.replicas,
          template: podTemplate(o.name, "Never"),
        },
      } as KObject;
    case "Service":
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata,
        spec: { selector: { app: o.name }, ports: [{ port: 80, targetPort: 8080 }] },
      } as KObject;
    case "ConfigMap":
      return { apiVersion: "v1", kind: "ConfigMap", metadata, data: { key: "value" } } as KObject;
    case "Secret":
      return {
        apiVersion: "v1",
        kind: "Secret",
        metadata,
        type: "Opaque",
        data: { key: Buffer.from("value").toString("base64") },
      } as KObject;
  }
}

/**
 * Runs tasks at most `qps` per second (started at a steady rate) with at most
 * `inFlight` running; failures are counted, not thrown.
 */
export async function paced<T>(
  items: readonly T[],
  qps: number,
  inFlight: number,
  fn: (item: T) => Promise<unknown>,
  deadline = Infinity,
): Promise<{ done: number; failed: number }> {
  const interval = 1000 / qps;
  const t0 = performance.now();
  let done = 0;
  let failed = 0;
  const running = new Set<Promise<void>>();
  for (let i = 0; i < items.length; i++) {
    if (Date.now() > deadline) break;
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (running.size >= inFlight) await Promise.race(running);
    const p: Promise<void> = fn(items[i]!)
      .then(
        () => void done++,
        () => void failed++,
      )
      .finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  return { done, failed };
}
