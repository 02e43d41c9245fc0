/**
 * etcd backups: `save` streams a snapshot through the etcd v3 Maintenance
 * API (what `etcdctl snapshot save` does: the database followed by its
 * SHA-256, written atomically; the revision reported is the one just before); `restore` rebuilds a managed member's data
 * dir from a snapshot with `etcdctl snapshot restore` (etcd-client package),
 * as a new one-member cluster with the member's own name and peer URL. The
 * server must be stopped for a restore; other members then re-join.
 *
 * As in k3s, restore is for managed (stacked) etcd only: a server on an
 * external etcd (--datastore-endpoint) does not own that cluster's data, so
 * restoring is refused with ExternalDatastoreError and left to the etcd
 * cluster's operator (`etcdutl snapshot restore` on every member). Saving
 * works for both: `k8ts etcd snapshot save --endpoints ...` reads any etcd.
 */
import { execFile } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { promisify } from "node:util";
import type { Etcd3 } from "etcd3";
import { join } from "node:path";
import { etcdDir, loadMemberConfig, peerUrl } from "./etcd-member-config.ts";
import { etcdDataDir } from "./managed-etcd.ts";

const execFileAsync = promisify(execFile);

/** Called as bytes arrive: done so far and the total when known. */
export type ProgressFn = (done: number, total: number | undefined) => void;

/** Streams a snapshot from the member the client reaches into file; returns its size and revision. */
export async function saveSnapshot(
  client: Etcd3,
  file: string,
  onProgress?: ProgressFn,
): Promise<{ bytes: number; revision: string }> {
  const part = `${file}.part`;
  const out = createWriteStream(part, { mode: 0o600 });
  let bytes = 0;
  let revision = "";
  try {
    revision = String((await client.maintenance.status({})).header?.revision ?? "");
    const stream = await client.maintenance.snapshot();
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (chunk) => {
        bytes += chunk.blob.length;
        out.write(chunk.blob);
        onProgress?.(bytes, bytes + Number(chunk.remaining_bytes ?? 0));
      });
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (bytes === 0) throw new Error("Cannot save snapshot: etcd sent no data");
    await rename(part, file);
    return { bytes, revision };
  } catch (err) {
    out.destroy();
    await rm(part, { force: true });
    throw err;
  }
}

/** Restore asked of a server data dir with no managed etcd member (external or no etcd). */
export class ExternalDatastoreError extends Error {
  readonly code = "ExternalDatastore";
  constructor(dataDir: string) {
    super(
      `Cannot restore into ${dataDir}: it has no managed etcd member (the server runs on an ` +
        "external datastore or on SQLite). k8ts restores only etcd it manages (--etcd managed); " +
        "restore an external etcd cluster with `etcdutl snapshot restore` on each of its members, " +
        "and SQLite with `k8ts datastore restore`.",
    );
  }
}

/**
 * Replaces the managed member's data under a server data dir with the
 * snapshot (the old data is kept beside it as data.before-restore-<time>).
 * Returns the path of the kept data, if any.
 */
export async function restoreSnapshot(opts: {
  file: string;
  dataDir: string;
  now: number;
  etcdctl?: string;
}): Promise<string | undefined> {
  if (!existsSync(opts.file)) throw new Error(`Cannot restore: no snapshot file ${opts.file}`);
  if (!existsSync(join(etcdDir(opts.dataDir), "member.json")))
    throw new ExternalDatastoreError(opts.dataDir);
  const member = await loadMemberConfig(opts.dataDir);
  const target = etcdDataDir(opts.dataDir);
  const staging = `${target}.restoring`;
  await rm(staging, { recursive: true, force: true });
  const url = peerUrl(member);
  try {
    await execFileAsync(
      opts.etcdctl ?? process.env.ETCDCTL_BIN ?? "etcdctl",
      [
        "snapshot",
        "restore",
        opts.file,
        `--name=${member.name}`,
        `--data-dir=${staging}`,
        `--initial-cluster=${member.name}=${url}`,
        `--initial-advertise-peer-urls=${url}`,
        "--initial-cluster-token=k8ts-etcd-cluster",
      ],
      { env: { ...process.env, ETCDCTL_API: "3" } },
    );
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`Cannot restore ${opts.file}: ${(e.stderr || e.message).trim()}`);
  }
  let kept: string | undefined;
  if (existsSync(target)) {
    kept = `${target}.before-restore-${new Date(opts.now).toISOString().replace(/[:.]/g, "-")}`;
    await rename(target, kept);
  }
  await rename(staging, target);
  return kept;
}
