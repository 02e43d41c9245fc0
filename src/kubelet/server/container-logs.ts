/**
 * Streams a container's CRI log file as `kubectl logs` prints it. Without
 * follow: the file's current content with the options applied. With follow:
 * then keeps reading what the runtime appends, woken by file-system events
 * on the log's directory (fs.watch), until the container is no longer
 * running (and its last lines were sent), the byte limit is reached or the
 * caller aborts (client went away). When the log is rotated (renamed, a new
 * file opened at the same path), the old file is read to its end and the
 * follow continues in the new one.
 */
import { watch, type FSWatcher } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { Clock } from "../../client/clock.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import {
  entryWanted,
  parseCriLogLine,
  renderEntry,
  splitLines,
  tailStart,
  type CriLogEntry,
  type LogOptions,
} from "./cri-log.ts";

export interface StreamLogOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  logPath: string;
  /** The container whose state ends a follow. */
  containerId: string;
  options: LogOptions;
  /** Receives rendered text; returns false when the consumer cannot take more now. */
  write(chunk: string): void;
  signal: AbortSignal;
  /** How often a follow with no file event re-reads and checks the container's state (default 1000 ms). */
  pollMs?: number;
  /** Wake a follow on file-system events (default true). */
  watch?: boolean;
}

const CHUNK = 64 * 1024;

async function readFrom(fh: FileHandle, offset: number): Promise<{ text: string; next: number }> {
  const parts: Buffer[] = [];
  let pos = offset;
  for (;;) {
    const buf = Buffer.alloc(CHUNK);
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    parts.push(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return { text: Buffer.concat(parts).toString("utf8"), next: pos };
}

/** Resolves when the stream ended (all wanted output written). */
export async function streamContainerLog(o: StreamLogOptions): Promise<void> {
  const opts = o.options;
  let remaining = opts.limitBytes ?? Infinity;
  const emit = (text: string): boolean => {
    if (remaining <= 0) return false;
    let out = text;
    const bytes = Buffer.byteLength(out);
    if (bytes > remaining) out = Buffer.from(out).subarray(0, remaining).toString();
    remaining -= Math.min(bytes, remaining);
    if (out) o.write(out);
    return remaining > 0;
  };
  let fh = await open(o.logPath, "r").catch(() => undefined);
  if (!fh) return;
  try {
    const first = await readFrom(fh, 0);
    let offset = first.next;
    const split = splitLines("", first.text);
    let rest = split.rest;
    const entries = split.lines
      .map(parseCriLogLine)
      .filter((e): e is CriLogEntry => e !== undefined);
    for (const e of entries.slice(tailStart(entries, opts.tailLines))) {
      if (entryWanted(e, opts) && !emit(renderEntry(e, opts.timestamps ?? false))) return;
    }
    if (!opts.follow) return;
    const wake = opts.follow && o.watch !== false ? dirWaker(dirname(o.logPath)) : undefined;
    try {
      let ino = (await fh.stat()).ino;
      let finalRead = false;
      for (;;) {
        if (o.signal.aborted) return;
        const more = await readFrom(fh, offset);
        offset = more.next;
        const s = splitLines(rest, more.text);
        rest = s.rest;
        for (const line of s.lines) {
          const e = parseCriLogLine(line);
          if (e && entryWanted(e, opts) && !emit(renderEntry(e, opts.timestamps ?? false))) return;
        }
        if (more.text) continue;
        // At the end of this file: a rotated log continues in the new file at the same path,
        // once the runtime writes there (until it reopened the log it still wrote to the old
        // file, whose last lines a switch at the first sight of the new file would lose).
        const now = await stat(o.logPath).catch(() => undefined);
        if (now && now.ino !== ino && now.size > 0 && (await readFrom(fh, offset)).text) continue;
        const next =
          now && now.ino !== ino && now.size > 0
            ? await open(o.logPath, "r").catch(() => undefined)
            : undefined;
        if (next) {
          await fh.close();
          fh = next;
          ino = now!.ino;
          offset = 0;
          continue;
        }
        if (finalRead) return;
        const event = await waitFor(o.clock, o.pollMs ?? 1000, o.signal, wake);
        // The container stopped before the next read begins, so that read sees its last lines.
        if (!event && !(await isRunning(o.runtime, o.containerId))) finalRead = true;
      }
    } finally {
      wake?.close();
    }
  } finally {
    await fh.close();
  }
}

/** Remembers whether anything changed in dir since the last take(). */
interface Waker {
  take(): boolean;
  onEvent?: () => void;
  close(): void;
}

function dirWaker(dir: string): Waker | undefined {
  let dirty = false;
  let watcher: FSWatcher;
  const w: Waker = {
    take: () => {
      const d = dirty;
      dirty = false;
      return d;
    },
    close: () => watcher.close(),
  };
  try {
    watcher = watch(dir, () => {
      dirty = true;
      w.onEvent?.();
    });
    watcher.on("error", () => undefined);
  } catch {
    return undefined;
  }
  return w;
}

async function isRunning(runtime: ContainerRuntime, id: string): Promise<boolean> {
  try {
    const st = await runtime.containerStatus(id);
    return st?.state === "CONTAINER_RUNNING" || st?.state === "CONTAINER_CREATED";
  } catch {
    return false;
  }
}

/** Resolves true on a file-system event, false after ms of the clock or on abort. */
function waitFor(clock: Clock, ms: number, signal: AbortSignal, wake?: Waker): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    if (wake?.take()) return resolve(true);
    const finish = (v: boolean) => {
      t.cancel();
      signal.removeEventListener("abort", onAbort);
      if (wake) wake.onEvent = undefined;
      resolve(v);
    };
    const t = clock.after(ms, () => finish(false));
    const onAbort = () => finish(false);
    signal.addEventListener("abort", onAbort, { once: true });
    if (wake)
      wake.onEvent = () => {
        wake.take();
        finish(true);
      };
  });
}
