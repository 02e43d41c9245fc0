/**
 * Backups of the embedded SQLite datastore: `backupDatastore` copies a live
 * database with SQLite's online backup API (better-sqlite3's db.backup),
 * which yields a consistent snapshot while the server keeps writing;
 * `restoreDatastore` checks a backup (integrity and the k8ts tables) and
 * puts it in place of a stopped server's database, keeping the old files
 * beside it.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ProgressFn } from "./etcd-snapshot.ts";
import { refuseNewerLayout } from "../storage/drivers/sqlite-schema.ts";

/** Pages copied per backup step (each step holds the read lock briefly). */
const PAGES_PER_STEP = 256;

/** Copies the database at `source` into `file` (atomically); returns its size in pages. */
export async function backupDatastore(
  source: string,
  file: string,
  onProgress?: ProgressFn,
): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`Cannot back up: no datastore at ${source}`);
  const db = new Database(source, { fileMustExist: true });
  const part = `${file}.part`;
  try {
    await rm(part, { force: true });
    const result = await db.backup(part, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return PAGES_PER_STEP;
      },
    });
    onProgress?.(result.totalPages, result.totalPages);
    await rename(part, file);
    return { pages: result.totalPages };
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

/** Throws unless `file` is an intact SQLite database with the k8ts tables; returns its key count. */
export function checkBackup(file: string): { keys: number } {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`Cannot open backup ${file}: ${(err as Error).message}`);
  }
  try {
    const ok = db.pragma("integrity_check", { simple: true });
    if (ok !== "ok") throw new Error(`Backup ${file} is damaged: ${String(ok)}`);
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    );
    // `current` is a table in older datastores, a view since session 12: count through either.
    for (const t of ["kv", "meta"])
      if (!tables.has(t)) throw new Error(`Backup ${file} is not a k8ts datastore (no ${t} table)`);
    try {
      refuseNewerLayout(db);
    } catch (err) {
      throw new Error(`Backup ${file}: ${(err as Error).message}`);
    }
    return { keys: (db.prepare("SELECT count(*) AS n FROM current").get() as { n: number }).n };
  } catch (err) {
    if ((err as Error).message.startsWith("Backup ")) throw err;
    throw new Error(`Cannot read backup ${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Puts a checked backup in place of the (stopped) datastore at `target`;
 * the previous database and its WAL move to <target>.before-restore-<time>*.
 */
export async function restoreDatastore(opts: {
  file: string;
  target: string;
  now: number;
}): Promise<{ keys: number; kept?: string }> {
  const { keys } = checkBackup(opts.file);
  await mkdir(dirname(opts.target), { recursive: true, mode: 0o700 });
  let kept: string | undefined;
  if (existsSync(opts.target)) {
    kept = `${opts.target}.before-restore-${new Date(opts.now).toISOString().replace(/[:.]/g, "-")}`;
    for (const suffix of ["", "-wal", "-shm"])
      if (existsSync(opts.target + suffix)) await rename(opts.target + suffix, kept + suffix);
  }
  await copyFile(opts.file, `${opts.target}.restoring`);
  await rename(`${opts.target}.restoring`, opts.target);
  return { keys, kept };
}
