/**
 * Waiting for a Deployment's pods to be gone, with progress: how the
 * controllers benchmarks time a deletion.
 */
import type { KObject } from "../../src/api/types.ts";
import { podsRef } from "../../src/client/resources.ts";
import type { RestClient } from "../../src/client/rest-client.ts";
import { waitFor } from "./simulated-cluster.ts";

/**
 * Pods in namespace, from a list of at most one pod plus the server's
 * remainingItemCount (which a label selector would suppress, as upstream).
 */
export async function podsInNamespace(c: RestClient, namespace: string): Promise<number> {
  const list = await c.list<KObject>(podsRef, namespace, { limit: 1 });
  const rest = (list.metadata as { remainingItemCount?: number } | undefined)?.remainingItemCount;
  return list.items.length + (rest ?? 0);
}

/**
 * Waits until no pod in namespace matches labelSelector (a list of at most
 * one pod every pollMs); every progressEveryMs (5 s) calls progress with the
 * namespace's pod count and the seconds since t0 (a performance.now()
 * value). Returns the
 * seconds from t0 to the first poll that found none.
 */
export async function waitPodsGone(
  c: RestClient,
  opts: {
    namespace: string;
    labelSelector: string;
    t0: number;
    timeoutS: number;
    pollMs?: number;
    progressEveryMs?: number;
    progress?: (podsInNamespace: number, seconds: number) => void;
  },
): Promise<number> {
  let lastLog = opts.t0;
  await waitFor(
    `pods ${opts.labelSelector} gone`,
    async () => {
      const some = await c.list(podsRef, opts.namespace, {
        labelSelector: opts.labelSelector,
        limit: 1,
      });
      if (some.items.length === 0) return true;
      const now = performance.now();
      if (opts.progress && now - lastLog >= (opts.progressEveryMs ?? 5000)) {
        lastLog = now;
        opts.progress(await podsInNamespace(c, opts.namespace), (now - opts.t0) / 1000);
      }
      return false;
    },
    opts.timeoutS,
    opts.pollMs ?? 500,
  );
  return (performance.now() - opts.t0) / 1000;
}
