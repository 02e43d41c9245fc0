/**
 * Container log rotation as upstream's kubelet ContainerLogManager: every
 * monitoring period (10 s), each running container whose log file has
 * reached containerLogMaxSize (default 10Mi) is rotated: leftover `.tmp`
 * files and uncompressed copies of compressed logs are removed, the oldest
 * rotated logs are removed so that at most containerLogMaxFiles (default
 * 5) files remain after rotation, older rotated logs are gzipped, the
 * current log is renamed to `<log>.<YYYYMMDD-hhmmss>` and the runtime is
 * asked to reopen it (CRI ReopenContainerLog); if that fails, the rename
 * is undone.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";

export interface ContainerLogManagerOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  /** containerLogMaxSize in bytes (default 10 MiB). */
  maxSize?: number;
  /** containerLogMaxFiles, at least 2 (default 5). */
  maxFiles?: number;
  /** How often logs are checked (default 10 s). */
  periodMs?: number;
}

const compressSuffix = ".gz";
const tmpSuffix = ".tmp";

/** The rotated name's timestamp, UTC `YYYYMMDD-hhmmss` (Go layout 20060102-150405). */
export function rotationTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  );
}

/** The rotated files of a log (`<log>.*`), sorted oldest first. */
export function rotatedLogs(logPath: string): string[] {
  const dir = dirname(logPath);
  const prefix = `${basename(logPath)}.`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .sort()
    .map((f) => join(dir, f));
}

export class ContainerLogManager {
  readonly maxSize: number;
  readonly maxFiles: number;
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly o: ContainerLogManagerOptions) {
    this.maxSize = o.maxSize ?? 10 * 1024 * 1024;
    this.maxFiles = Math.max(2, o.maxFiles ?? 5);
  }

  /** Starts the periodic check. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.timer = this.o.clock.after(this.o.periodMs ?? 10_000, () => {
        void this.rotateAll()
          .catch((err) => this.o.log.warn("container log rotation failed", { err }))
          .finally(tick);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One pass over the running containers; resolves to the ids rotated. */
  async rotateAll(): Promise<string[]> {
    const rotated: string[] = [];
    const running = await this.o.runtime.listContainers({ state: "CONTAINER_RUNNING" });
    for (const c of running) {
      const status = await this.o.runtime.containerStatus(c.id).catch(() => undefined);
      if (!status?.logPath) continue;
      const size = await stat(status.logPath).then(
        (s) => s.size,
        () => -1,
      );
      if (size < this.maxSize) continue;
      try {
        await this.rotate(c.id, status.logPath);
        rotated.push(c.id);
      } catch (err) {
        this.o.log.warn("failed to rotate container log", { container: c.id, err });
      }
    }
    return rotated;
  }

  private async rotate(id: string, logPath: string): Promise<void> {
    let logs = rotatedLogs(logPath);
    // Leftovers of an interrupted compression.
    for (const l of logs) {
      if (l.endsWith(tmpSuffix) || logs.includes(`${l}${compressSuffix}`))
        await rm(l, { force: true });
    }
    logs = rotatedLogs(logPath);
    // Besides the current log and the one rotated now, keep maxFiles - 2 rotated logs.
    const excess = logs.length - (this.maxFiles - 2);
    for (const l of logs.slice(0, Math.max(0, excess))) await rm(l, { force: true });
    for (const l of logs.slice(Math.max(0, excess))) {
      if (l.endsWith(compressSuffix)) continue;
      const tmp = `${l}${compressSuffix}${tmpSuffix}`;
      await pipeline(createReadStream(l), createGzip(), createWriteStream(tmp));
      await rename(tmp, `${l}${compressSuffix}`);
      await rm(l, { force: true });
    }
    const target = `${logPath}.${rotationTimestamp(this.o.clock.now())}`;
    await rename(logPath, target);
    try {
      if (!this.o.runtime.reopenContainerLog) throw new Error("runtime cannot reopen logs");
      await this.o.runtime.reopenContainerLog(id);
    } catch (err) {
      await rename(target, logPath).catch(() => undefined);
      throw err;
    }
  }
}
