/**
 * The heavy alternative to Simulator, for measuring what a whole kubelet
 * costs per node: one complete startKubelet (simulated runtime, its own pod
 * watch, relist loop, lease and status) per node, in this process.
 */
import { join } from "node:path";
import { startKubelet, type Kubelet } from "../kubelet/kubelet.ts";
import type { RestClient } from "../client/rest-client.ts";
import { createLogger } from "../util/logger.ts";

export interface KubeletNodesOptions {
  client: RestClient;
  nodes: number;
  namePrefix?: string;
  labels?: Record<string, string>;
  zones: string[];
  dataDir: string;
  onRegistered?(done: number, total: number): void;
}

/** Starts the kubelets one after another; stop() stops them all. */
export async function startKubeletNodes(
  o: KubeletNodesOptions,
): Promise<{ kubelets: Kubelet[]; stop(): Promise<void> }> {
  const kubelets: Kubelet[] = [];
  const log = createLogger("simulate", { level: "warn" });
  for (let i = 0; i < o.nodes; i++) {
    const name = `${o.namePrefix ?? "hollow-node-"}${i}`;
    kubelets.push(
      await startKubelet({
        client: o.client,
        nodeName: name,
        dataDir: join(o.dataDir, name),
        runtime: "simulated",
        hostless: true,
        hostIP: `127.1.${(i >> 8) & 255}.${i & 255}`,
        podCIDR: `10.${64 + (i >> 8)}.${i & 255}.0/24`,
        labels: { "topology.kubernetes.io/zone": o.zones[i % o.zones.length]!, ...o.labels },
        log,
      }),
    );
    o.onRegistered?.(i + 1, o.nodes);
  }
  return {
    kubelets,
    async stop() {
      for (const k of kubelets) await k.stop();
    },
  };
}
