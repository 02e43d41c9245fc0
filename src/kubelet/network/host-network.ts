/**
 * Host routing the network safety rule needs: `unreachable` routes for the
 * whole cluster and service CIDRs, installed before the first pod, so no
 * packet to those ranges can leave the machine (the node's own podCIDR is
 * reachable through its bridge's more specific route). Also removes a
 * node's bridge on shutdown.
 */
import { execFile } from "node:child_process";

function ip(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ip", args, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Installs (idempotently) `unreachable <cidr>` for each CIDR; they stay after shutdown on purpose. */
export async function ensureUnreachableRoutes(cidrs: string[]): Promise<void> {
  for (const cidr of cidrs) {
    const res = await ip(["route", "replace", "unreachable", cidr]);
    if (res.code !== 0)
      throw new Error(`Cannot install unreachable route ${cidr}: ${res.stderr.trim()}`);
  }
}

/** The CIDRs that currently have an unreachable route in the main table. */
export async function unreachableRoutes(): Promise<string[]> {
  const res = await ip(["route", "show", "type", "unreachable"]);
  return res.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[1])
    .filter((s): s is string => !!s);
}

/** Deletes a bridge device if it exists. */
export async function deleteBridge(name: string): Promise<void> {
  await ip(["link", "delete", name, "type", "bridge"]);
}
