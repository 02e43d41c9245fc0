/**
 * An audit log file rotated as kube-apiserver's (lumberjack) with
 * --audit-log-maxsize (MB), --audit-log-maxbackup (old files kept, 0 = all)
 * and --audit-log-maxage (days, 0 = no limit): before a write would take the
 * file past maxsize, it is renamed to `<name>-<UTC 2006-01-02T15-04-05.000><.ext>`
 * beside it and a new file is started; then old backups beyond the limits
 * are removed. Writes are synchronous appends so rotation never splits an event.
 */
import {
  closeSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import type { AuditSink } from "./audit-filter.ts";

export interface RotationOptions {
  maxSizeBytes: number;
  /** Old files to keep; 0 keeps all. */
  maxBackups: number;
  /** Days to keep old files; 0 keeps them whatever their age. */
  maxAgeDays: number;
  now?: () => number;
}

/** lumberjack's backup timestamp: 2006-01-02T15-04-05.000 in UTC. */
export function backupTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "").replace(/:/g, "-");
}

/** Parses a backup file name of `path`, returning its time or undefined. */
function backupTime(path: string, file: string): number | undefined {
  const ext = extname(path);
  const stem = basename(path, ext);
  if (!file.startsWith(`${stem}-`) || !file.endsWith(ext)) return undefined;
  const ts = file.slice(stem.length + 1, file.length - ext.length);
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/.exec(ts);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : undefined;
}

export function rotatingFileSink(path: string, opts: RotationOptions): AuditSink {
  const now = opts.now ?? Date.now;
  let fd = openSync(path, "a", 0o600);
  let size = statSync(path).size;
  const prune = () => {
    const dir = dirname(path);
    const backups = readdirSync(dir)
      .map((f) => ({ f, t: backupTime(path, f) }))
      .filter((b): b is { f: string; t: number } => b.t !== undefined)
      .sort((a, b) => b.t - a.t);
    const cutoff = opts.maxAgeDays > 0 ? now() - opts.maxAgeDays * 86_400_000 : -Infinity;
    backups.forEach((b, i) => {
      if ((opts.maxBackups > 0 && i >= opts.maxBackups) || b.t < cutoff) unlinkSync(join(dir, b.f));
    });
  };
  const rotate = () => {
    closeSync(fd);
    const ext = extname(path);
    const stem = basename(path, ext);
    renameSync(path, join(dirname(path), `${stem}-${backupTimestamp(now())}${ext}`));
    fd = openSync(path, "a", 0o600);
    size = 0;
    prune();
  };
  return {
    write(event) {
      const line = Buffer.from(JSON.stringify(event) + "\n");
      if (opts.maxSizeBytes > 0 && size > 0 && size + line.length > opts.maxSizeBytes) rotate();
      writeSync(fd, line);
      size += line.length;
    },
    async close() {
      closeSync(fd);
    },
  };
}
