/**
 * bench:scale's read phase: single-object GETs, namespace-scoped LISTs and
 * cluster-wide LISTs on the loaded cluster, through the latency recorder, so
 * the get / namespace-list / cluster-list SLO rows have samples.
 */
import {
  configMapsRef,
  deploymentsRef,
  nodesRef,
  podsRef,
  servicesRef,
} from "../src/client/resources.ts";
import type { LatencyRecorder } from "./scale-measure.ts";
import { paced, type WorkloadObject } from "./scale-load.ts";

/**
 * Up to `reads` reads at `qps` (20 in flight), a quarter each of Deployment GET,
 * ConfigMap GET, pod LIST by label and Service LIST in a namespace; then
 * three rounds of cluster-wide node, pod and Deployment LISTs.
 */
export async function readLoad(
  calls: LatencyRecorder,
  deployments: readonly WorkloadObject[],
  deadline: number,
  pace: { reads: number; qps: number },
): Promise<void> {
  const count = Math.min(pace.reads, deployments.length * 4);
  const reads = Array.from({ length: count }, (_, i) => i);
  await paced(reads, pace.qps, 20, async (i) => {
    if (Date.now() > deadline) throw new Error("timed out");
    const d = deployments[i % deployments.length]!;
    if (i % 4 === 0) await calls.get(deploymentsRef, d.namespace, d.name);
    else if (i % 4 === 1) await calls.get(configMapsRef, d.namespace, d.name);
    else if (i % 4 === 2)
      await calls.list(podsRef, d.namespace, { labelSelector: `app=${d.name}` });
    else await calls.list(servicesRef, d.namespace);
  });
  for (let i = 0; i < 3; i++) {
    await calls.list(nodesRef, undefined);
    await calls.list(podsRef, undefined);
    await calls.list(deploymentsRef, undefined);
  }
}
