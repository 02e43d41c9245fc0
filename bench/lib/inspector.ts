/**
 * A minimal client of the V8 inspector protocol for benchmarks: a child
 * started with `--inspect=127.0.0.1:0` prints its WebSocket address on
 * stderr; through it a benchmark forces a full GC and reads the heap still
 * in use (what the process really retains, unlike RSS, which V8 lets grow),
 * and records CPU profiles over chosen phases.
 */
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import WebSocket from "ws";

/** The inspector's WebSocket URL in a process's output, if it printed one. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(output)?.[1];
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** One inspector session; every call has a timeout so a stuck child cannot hang the caller. */
export class InspectorSession {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  /** Receives protocol notifications (messages without an id), e.g. heap snapshot chunks. */
  private onNotification?: (method: string, params: unknown) => void;
  /**
   * After releaseAtExit: runs when the child waits at exit for this session
   * to go (its JavaScript context still there: a profile can still be
   * stopped), before the session closes.
   */
  beforeExitClose?: () => Promise<unknown>;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: unknown;
        result?: unknown;
        error?: { message: string };
      };
      if (msg.method === "NodeRuntime.waitingForDisconnect") void this.closeAtExit();
      if (msg.id === undefined && msg.method) this.onNotification?.(msg.method, msg.params);
      const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(`inspector: ${msg.error.message}`));
      else p.resolve(msg.result);
    });
    ws.on("close", () => {
      for (const p of this.pending.values()) p.reject(new Error("inspector: connection closed"));
      this.pending.clear();
    });
  }

  /** Connects to url (ws://127.0.0.1:PORT/ID). */
  static connect(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      ws.once("open", () => resolve(new InspectorSession(ws)));
      ws.once("error", reject);
    });
  }

  /** Sends one protocol command; rejects after timeoutMs. */
  call<T = unknown>(method: string, params: object = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Lets the child exit while this session is open. A process started with
   * --inspect waits in process.exit until every inspector session is gone
   * ("Waiting for the debugger to disconnect..."), so a child stopped with
   * this session open hangs until SIGKILL. Once released, the child announces
   * that wait (NodeRuntime.waitingForDisconnect) and the session closes
   * itself, after beforeExitClose.
   */
  async releaseAtExit(): Promise<void> {
    await this.call("NodeRuntime.notifyWhenWaitingForDisconnect", { enabled: true });
  }

  private async closeAtExit(): Promise<void> {
    try {
      await this.beforeExitClose?.();
    } catch {
      // The hook reports its own failures; the child must exit regardless.
    } finally {
      this.close();
    }
  }

  /** Forces a full garbage collection, then returns the JS heap in use in bytes. */
  async heapUsedAfterGc(): Promise<number> {
    await this.call("HeapProfiler.collectGarbage");
    const u = await this.call<{ usedSize: number }>("Runtime.getHeapUsage");
    return u.usedSize;
  }

  /** Starts sampling CPU (sampling interval in microseconds). */
  async startProfile(intervalUs = 1000): Promise<void> {
    await this.call("Profiler.enable");
    await this.call("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.call("Profiler.start");
  }

  /** Stops sampling and writes the .cpuprofile (Chrome DevTools format) to file. */
  async stopProfile(file: string): Promise<void> {
    const r = await this.call<{ profile: unknown }>("Profiler.stop");
    await writeFile(file, JSON.stringify(r.profile));
  }

  /**
   * Starts sampling allocations (one sample per `intervalBytes` allocated on
   * average), keeping samples of objects the GC collected since.
   */
  async startAllocationSampling(intervalBytes = 8192): Promise<void> {
    await this.call("HeapProfiler.enable");
    await this.call("HeapProfiler.startSampling", {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops sampling allocations and writes the .heapprofile (Chrome DevTools format) to file. */
  async stopAllocationSampling(file: string): Promise<void> {
    const r = await this.call<{ profile: unknown }>("HeapProfiler.stopSampling");
    await writeFile(file, JSON.stringify(r.profile));
  }

  /** Writes a heap snapshot (after a full GC; Chrome DevTools format) to file. */
  async writeHeapSnapshot(file: string, timeoutMs = 600_000): Promise<void> {
    const out = createWriteStream(file);
    this.onNotification = (method, params) => {
      if (method === "HeapProfiler.addHeapSnapshotChunk")
        out.write((params as { chunk: string }).chunk);
    };
    try {
      await this.call("HeapProfiler.enable");
      await this.call("HeapProfiler.collectGarbage");
      // Every chunk arrives before the command's answer.
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, timeoutMs);
    } finally {
      this.onNotification = undefined;
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  close(): void {
    this.ws.close();
  }
}
