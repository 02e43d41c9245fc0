/** The state file of a `k8ts dev cluster`: its plan and the PIDs of the node processes it started. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DevClusterPlan } from "./dev-plan.ts";

/** What `<state-dir>/cluster.json` records. */
export interface DevClusterState {
  plan: DevClusterPlan;
  /** node name -> PID of its `k8ts server` / `k8ts agent`. */
  pids: Record<string, number>;
  /** node name -> the podCIDR node IPAM gave it (once Ready). */
  podCIDRs?: Record<string, string>;
  /** PIDs of the API forwarders (host side and node 1 side; see api-forward.ts). */
  forwarders?: number[];
  /** The unix socket joining them. */
  apiSocket?: string;
  /** The host's 127.0.0.1 port of the API, and a kubeconfig pointing there. */
  apiPort?: number;
  hostKubeconfig?: string;
}

/** Path of a dev cluster's state file. */
export const statePath = (stateDir: string) => join(stateDir, "cluster.json");

/** Reads a dev cluster's state; undefined when there is none. */
export function readDevClusterState(stateDir: string): DevClusterState | undefined {
  const file = statePath(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DevClusterState) : undefined;
}

/** Writes the state file (after every step, so a failed create can be deleted). */
export function writeDevClusterState(s: DevClusterState): void {
  writeFileSync(statePath(s.plan.stateDir), JSON.stringify(s, null, 2) + "\n");
}
