/**
 * The store behind bench:scale's server (--backend): the embedded SQLite
 * under the run's data dir, or a real single-member etcd (the system's
 * etcd binary, started by the shared harness src/storage/testing/etcd-process.ts
 * on free loopback ports, its data dir inside the run's temp dir).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { startEtcd, type EtcdProcess } from "../src/storage/testing/etcd-process.ts";
import { dirSize } from "./scale-procs.ts";

/** One backend of a run. */
export type BackendKind = "sqlite" | "etcd";

/** A started store for one bench:scale run. */
export interface ScaleBackend {
  kind: BackendKind;
  /** --datastore-endpoint for the server (undefined: its default SQLite under the data dir). */
  endpoint?: string;
  /** The etcd process to sample (RSS, CPU) besides the server; undefined for SQLite. */
  pid?: number;
  /** The store's size in bytes now: SQLite's files (db and WAL), or etcd's bbolt db (its dbSize). */
  storeBytes(): number;
  /** Stops etcd and removes its data dir (nothing for SQLite). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the backend for a run whose server uses dataDir. With `datastore`
 * (--datastore-endpoint) the server is pointed there and the size is not
 * known (NaN).
 */
export async function startBackend(
  kind: BackendKind,
  dataDir: string,
  datastore?: string,
): Promise<ScaleBackend> {
  if (kind === "sqlite") {
    const db = join(dataDir, "db");
    return {
      kind,
      endpoint: datastore,
      storeBytes: () => (datastore ? NaN : existsSync(db) ? dirSize(db) : 0),
      stop: async () => {},
    };
  }
  const etcd: EtcdProcess = await startEtcd({ parentDir: dataDir });
  // --data-dir is dataDir/member; etcd keeps its bbolt db at <data-dir>/member/snap/db.
  const db = join(etcd.dataDir, "member", "member", "snap", "db");
  return {
    kind,
    endpoint: etcd.endpoints.join(","),
    pid: etcd.pid,
    storeBytes: () => (existsSync(db) ? statSync(db).size : NaN),
    stop: () => etcd.stop(),
  };
}
