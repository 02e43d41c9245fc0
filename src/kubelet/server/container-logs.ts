/**
 * Streams a container's CRI log file as `kubectl logs` prints it. Without
 * follow: the file's current content with the options applied. With follow:
 * then keeps reading what the runtime appends, until the container is no
 * longer running (and its last lines were sent), the byte limit is reached
 * or the caller aborts (client went away).
 */
import { open, type FileHandle } from "node:fs/promises";
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
  /** How often a follow polls the file (default 250 ms). */
  pollMs?: number;
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
  const fh = await open(o.logPath, "r").catch(() => undefined);
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
    let finalRead = false;
    for (;;) {
      if (o.signal.aborted) return;
      const running = await isRunning(o.runtime, o.containerId);
      const more = await readFrom(fh, offset);
      offset = more.next;
      const s = splitLines(rest, more.text);
      rest = s.rest;
      for (const line of s.lines) {
        const e = parseCriLogLine(line);
        if (e && entryWanted(e, opts) && !emit(renderEntry(e, opts.timestamps ?? false))) return;
      }
      // The container stopped before this read began, so the read saw its last lines.
      if (!running) {
        if (finalRead) return;
        finalRead = true;
        continue;
      }
      await waitFor(o.clock, o.pollMs ?? 250, o.signal);
    }
  } finally {
    await fh.close();
  }
}

async function isRunning(runtime: ContainerRuntime, id: string): Promise<boolean> {
  try {
    const st = await runtime.containerStatus(id);
    return st?.state === "CONTAINER_RUNNING" || st?.state === "CONTAINER_CREATED";
  } catch {
    return false;
  }
}

function waitFor(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = clock.after(ms, () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
    const onAbort = () => {
      t.cancel();
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
