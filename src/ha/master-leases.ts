/**
 * The API servers' master leases (upstream's lease endpoint reconciler,
 * `/registry/masterleases/`): each server keeps one TTL key alive, and the
 * `default/kubernetes` Endpoints list the servers whose keys exist.
 *
 * Upstream keys a lease by the server's IP alone and writes one Endpoints
 * subset with its own secure port, so every server must have its own IP and
 * all share one port (two servers on one IP share one lease and rewrite the
 * port back and forth). Here a lease is keyed by IP and port and records
 * both, and the Endpoints get one subset per port: servers sharing a port
 * (the upstream layout) still give exactly upstream's single subset, and
 * servers sharing an IP on different ports (three servers on 127.0.0.1)
 * each stay listed under their own port.
 *
 * Contract: renewMasterLease refreshes only the caller's key; a key without
 * a recorded port (written by an older server) counts with `defaultPort`.
 */
import type { Backend } from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";

export const MASTER_LEASES_PREFIX = "/registry/masterleases/";

/** One live API server as its lease records it. */
export interface MasterLease {
  ip: string;
  port: number;
}

/** An Endpoints subset as the kubernetes Endpoints carry it. */
export interface MasterSubset {
  addresses: { ip: string }[];
  ports: { name: string; port: number; protocol: string }[];
}

/** The storage key of a server's lease: `<prefix><ip>:<port>` (`[ip]:port` for IPv6). */
export function masterLeaseKey(lease: MasterLease): string {
  const host = lease.ip.includes(":") ? `[${lease.ip}]` : lease.ip;
  return `${MASTER_LEASES_PREFIX}${host}:${lease.port}`;
}

/** Creates or refreshes the caller's lease key with a TTL (retried on races with itself). */
export async function renewMasterLease(
  backend: Backend,
  lease: MasterLease,
  ttlSeconds: number,
): Promise<void> {
  const key = masterLeaseKey(lease);
  const value = JSON.stringify({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: lease.ip },
    subsets: [
      {
        addresses: [{ ip: lease.ip }],
        ports: [{ name: "https", port: lease.port, protocol: "TCP" }],
      },
    ],
  });
  for (let attempt = 0; ; attempt++) {
    try {
      const { kv } = await backend.get(key);
      if (kv) await backend.update(key, value, kv.modRevision, { ttlSeconds });
      else await backend.create(key, value, { ttlSeconds });
      return;
    } catch (err) {
      const raced =
        isStorageError(err, "Conflict") ||
        isStorageError(err, "KeyExists") ||
        isStorageError(err, "KeyNotFound");
      if (!raced || attempt >= 4) throw err;
    }
  }
}

/** Every live lease (expired keys are gone from storage), sorted by port then IP, unique. */
export async function listMasterLeases(
  backend: Backend,
  defaultPort: number,
): Promise<MasterLease[]> {
  const { kvs } = await backend.list(MASTER_LEASES_PREFIX);
  const leases: MasterLease[] = [];
  for (const kv of kvs) {
    const lease = parseLease(kv.value, defaultPort);
    if (lease) leases.push(lease);
  }
  return uniqueSorted(leases);
}

/**
 * The kubernetes Endpoints subsets for these servers: one per port (in port
 * order) with its servers' addresses (sorted), each with the "https" port.
 */
export function masterSubsets(leases: MasterLease[]): MasterSubset[] {
  const byPort = new Map<number, string[]>();
  for (const { ip, port } of uniqueSorted(leases)) {
    const ips = byPort.get(port) ?? [];
    ips.push(ip);
    byPort.set(port, ips);
  }
  return [...byPort].map(([port, ips]) => ({
    addresses: ips.map((ip) => ({ ip })),
    ports: [{ name: "https", port, protocol: "TCP" }],
  }));
}

function parseLease(value: string, defaultPort: number): MasterLease | undefined {
  try {
    const subset = (
      JSON.parse(value) as {
        subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number }[] }[];
      }
    ).subsets?.[0];
    const ip = subset?.addresses?.[0]?.ip;
    if (!ip) return undefined;
    return { ip, port: subset?.ports?.[0]?.port ?? defaultPort };
  } catch {
    return undefined;
  }
}

function uniqueSorted(leases: MasterLease[]): MasterLease[] {
  const seen = new Map<string, MasterLease>();
  for (const l of leases) seen.set(`${l.port} ${l.ip}`, l);
  // Addresses in string order, as upstream's endpoints repacking sorts them.
  return [...seen.values()].sort(
    (a, b) => a.port - b.port || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0),
  );
}
