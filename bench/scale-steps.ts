/**
 * The object steps of bench:scale, after ClusterLoader2's load test: the
 * namespaces and Services first ("Creating SVCs"); each Deployment created
 * together with its ConfigMap and Secret (CL2's object bundle, during
 * saturation); the scale step; and the deletions. Each returns the figures
 * of its phase row.
 */
import {
  configMapsRef,
  deploymentsRef,
  jobsRef,
  namespacesRef,
  secretsRef,
  servicesRef,
} from "../src/client/resources.ts";
import type { ResourceRef } from "../src/client/rest-client.ts";
import { manifest, paced, type WorkloadObject, type WorkloadPlan } from "./scale-load.ts";
import type { LatencyRecorder } from "./scale-measure.ts";
import type { PodTracker } from "./scale-pods.ts";

export const refs: Record<WorkloadObject["kind"], ResourceRef> = {
  Deployment: deploymentsRef,
  Job: jobsRef,
  Service: servicesRef,
  ConfigMap: configMapsRef,
  Secret: secretsRef,
};

export interface StepContext {
  calls: LatencyRecorder;
  tracker: PodTracker;
  plan: WorkloadPlan;
  /** Epoch ms after which no more requests start. */
  deadline: number;
  /** Creates and deletes per second. */
  qps: number;
  /** Polls check until it holds (throws at the deadline). */
  waitFor(what: string, check: () => boolean): Promise<void>;
}

const key = (o: WorkloadObject) => `${o.namespace}/${o.name}`;
const seconds = (from: number) => (performance.now() - from) / 1000;

/** Namespaces, then the Services (CL2 creates them before the workload). */
export async function createNamespacesAndServices(c: StepContext) {
  const ns = await paced(
    c.plan.namespaces,
    c.qps,
    50,
    (name) =>
      c.calls.create(namespacesRef, undefined, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { bench: "scale" } },
      }),
    c.deadline,
  );
  const services = c.plan.objects.filter((o) => o.kind === "Service");
  const r = await paced(
    services,
    c.qps,
    200,
    (o) => c.calls.create(servicesRef, o.namespace, manifest(o)),
    c.deadline,
  );
  return { objects: ns.done + r.done, failed: ns.failed + r.failed };
}

/**
 * Creates a pod owner with its bundle: the ConfigMap and Secret of the same
 * name (when planned) first, then the Deployment or Job. A failed part
 * fails the bundle.
 */
export function bundleCreator(c: StepContext): (o: WorkloadObject) => Promise<void> {
  const parts = new Map<string, WorkloadObject[]>();
  for (const o of c.plan.objects)
    if (o.kind === "ConfigMap" || o.kind === "Secret") {
      const list = parts.get(key(o)) ?? [];
      list.push(o);
      parts.set(key(o), list);
    }
  return async (owner) => {
    const extra = parts.get(key(owner)) ?? [];
    await Promise.all(extra.map((o) => c.calls.create(refs[o.kind], o.namespace, manifest(o))));
    await c.calls.create(refs[owner.kind], owner.namespace, manifest(owner));
  };
}

/**
 * CL2's scale step on the chosen Deployments (indexes into deployments):
 * each to its target size, `qps` changes/s, then waits until the load pods
 * number the new total and all run.
 */
export async function scaleDeployments(
  c: StepContext,
  deployments: readonly WorkloadObject[],
  chosen: readonly number[],
  targets: readonly number[],
  qps: number,
) {
  const changed = new Set(chosen);
  const total = deployments.reduce((n, d, i) => n + (changed.has(i) ? targets[i]! : d.replicas), 0);
  const from = performance.now();
  const r = await paced(
    chosen,
    qps,
    50,
    (i) => {
      const d = deployments[i]!;
      const spec = { replicas: targets[i]! };
      return c.calls.patch(deploymentsRef, d.namespace, d.name, "merge", { spec });
    },
    c.deadline,
  );
  const pacedS = seconds(from);
  await c.waitFor("scaled Deployments' pods Running", () => {
    const k = c.tracker.counts("load");
    return k.replicaSet === total && k.running >= total;
  });
  return {
    changes: r.done,
    failed: r.failed,
    pods: total - c.plan.deploymentPods,
    "requests sent (s)": pacedS,
  };
}

/** Deletes every object (latency Deployments too), then the namespaces; waits for every pod to go. */
export async function deleteEverything(c: StepContext, latency: readonly WorkloadObject[]) {
  const from = performance.now();
  const r = await paced(
    [...c.plan.objects, ...latency].reverse(),
    c.qps,
    200,
    (o) => c.calls.delete(refs[o.kind], o.namespace, o.name, { propagationPolicy: "Background" }),
    c.deadline,
  );
  await paced(
    c.plan.namespaces,
    c.qps,
    50,
    (ns) => c.calls.delete(namespacesRef, undefined, ns),
    c.deadline,
  );
  const pacedS = seconds(from);
  const podsLeft = c.tracker.counts().live;
  await c.waitFor("all pods deleted", () => c.tracker.counts().live <= 0);
  return {
    objects: r.done,
    failed: r.failed,
    "requests sent (s)": pacedS,
    "pods left then": podsLeft,
  };
}
