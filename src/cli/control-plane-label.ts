/**
 * The label a server's own node carries, as k3s and kubeadm give their
 * control-plane nodes (so `kubectl get nodes` shows ROLES control-plane).
 * Kubelets may not set node-role labels on themselves, so the server sets
 * it with its own credentials once the node has registered. No taint: a
 * k8ts server's node runs workloads, as k3s's does.
 */
import type { Clock } from "../client/clock.ts";
import { nodesRef } from "../client/resources.ts";
import type { RestClient } from "../client/rest-client.ts";

export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/**
 * Merge-patches the label onto `nodeName`, retrying every `retryMs` while
 * the node does not exist yet (or the API refuses) until it is set or
 * `signal` aborts. Resolves true when the label is on the node.
 */
export async function labelControlPlaneNode(
  client: RestClient,
  nodeName: string,
  opts: { clock: Clock; signal: AbortSignal; retryMs?: number },
): Promise<boolean> {
  const patch = { metadata: { labels: { [CONTROL_PLANE_LABEL]: "true" } } };
  while (!opts.signal.aborted) {
    try {
      await client.patch(nodesRef, undefined, nodeName, "merge", patch);
      return true;
    } catch {
      if (opts.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          opts.signal.removeEventListener("abort", done);
          resolve();
        };
        opts.signal.addEventListener("abort", done);
        opts.clock.after(opts.retryMs ?? 1000, done);
      });
    }
  }
  return false;
}
