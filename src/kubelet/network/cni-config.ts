/**
 * The pod network configuration the kubelet writes into its own CNI conf
 * dir: a bridge (gateway on the host) with host-local IPAM on the node's
 * podCIDR, then portmap for hostPort. containerd's CRI adds loopback itself.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CniOptions {
  confDir: string;
  /** Network and host-local data names; unique per node on one machine. */
  networkName: string;
  bridge: string;
  podCIDR: string;
  /** host-local's lease directory (kept under the kubelet's data dir). */
  ipamDataDir: string;
}

/** The conflist object (CNI spec 1.0.0). */
export function cniConfList(o: CniOptions): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: o.networkName,
    plugins: [
      {
        type: "bridge",
        bridge: o.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: o.podCIDR }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: o.ipamDataDir,
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: false },
    ],
  };
}

/** Writes `<confDir>/10-k8ts.conflist`; returns its path. */
export function writeCniConfig(o: CniOptions): string {
  mkdirSync(o.confDir, { recursive: true });
  mkdirSync(o.ipamDataDir, { recursive: true });
  const path = join(o.confDir, "10-k8ts.conflist");
  writeFileSync(path, JSON.stringify(cniConfList(o), null, 2));
  return path;
}
