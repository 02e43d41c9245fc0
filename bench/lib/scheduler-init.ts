/**
 * bench:scheduler's steps before the measured pod phase: waiting for the
 * scheduler to cache every node, and upstream scheduler_perf's init pods (a
 * createPods op without collectMetrics: SchedulingBasic's 5000Nodes_10000Pods
 * schedules 1,000 pods in a namespace of their own before the 10,000
 * measured ones), so the measured phase starts from a warmed-up scheduler:
 * its code optimized, its young generation grown, a cluster already holding
 * pods.
 */
import { performance } from "node:perf_hooks";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { namespacesRef, podsRef, serviceAccountsRef } from "../../src/client/resources.ts";
import { resourcePath, type RestClient } from "../../src/client/rest-client.ts";
import { diffRequestCounts, fetchRequestCounts } from "../controllers-requests.ts";
import { progress } from "./args.ts";
import { pool } from "./pool.ts";
import type { Workload } from "./scheduler-workloads.ts";

/** The namespace of the init pods (the measured ones go to "default"). */
export const initNamespace = "perf-init";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the scheduler has every node cached: a pod pinned (nodeSelector)
 * to the node created last (highest resourceVersion, so the last one on the
 * scheduler's node watch) gets bound. In kube-system, out of the bench's watch.
 */
export async function waitForNodesInScheduler(client: RestClient, lastNode: string): Promise<void> {
  const name = "perf-canary";
  await client.create(podsRef, "kube-system", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": lastNode },
      tolerations: [{ operator: "Exists" }],
      containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10" }],
    },
  });
  const deadline = performance.now() + 120_000;
  for (;;) {
    const pod = await client.get<{ spec?: { nodeName?: string } }>(podsRef, "kube-system", name);
    if (pod.spec?.nodeName) return;
    if (performance.now() > deadline) throw new Error(`the scheduler did not bind ${name}`);
    await sleep(100);
  }
}

/**
 * Creates `count` of the workload's pods in initNamespace and waits until
 * every one is bound and its Scheduled event written (each bounded by
 * `timeoutMs`), so none of their work falls into the measured phase.
 */
export async function runInitPods(
  client: RestClient,
  kubeconfig: string,
  w: Workload,
  count: number,
  timeoutMs: number,
): Promise<void> {
  if (count <= 0) return;
  progress("scheduler", `${w.name}: ${count} init pods (not measured)`);
  await client.create(namespacesRef, undefined, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: initNamespace },
  });
  // No controller manager runs here: the namespace's default service account is made by hand.
  await client.create(serviceAccountsRef, initNamespace, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default" },
  });
  const events0 = await fetchRequestCounts(loadKubeconfig(kubeconfig));
  await pool(count, 32, (i) =>
    client.request("POST", resourcePath(podsRef, initNamespace), {
      body: w.pod(i),
      ignoreAnswer: true,
    }),
  );
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const unbound = await client.list(podsRef, initNamespace, {
      fieldSelector: "spec.nodeName=",
      limit: 1,
    });
    if (unbound.items.length === 0) break;
    if (performance.now() > deadline) throw new Error(`init pods not all bound in ${timeoutMs} ms`);
    await sleep(250);
  }
  for (;;) {
    const now = await fetchRequestCounts(loadKubeconfig(kubeconfig));
    if ((diffRequestCounts(events0, now).get("POST events") ?? 0) >= count) return;
    if (performance.now() > deadline)
      throw new Error(`init pods' events not all written in ${timeoutMs} ms`);
    await sleep(250);
  }
}
