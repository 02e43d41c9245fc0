/**
 * The heaps of a process's worker threads (k8ts server runs its controller
 * manager and scheduler in one), which the main thread's inspector session
 * does not see: a second inspector session attaches to every worker through
 * the NodeWorker domain and, in each, collects garbage and reads
 * process.memoryUsage() (heapUsed/heapTotal are the worker isolate's own),
 * and optionally writes a heap snapshot of it.
 */
import { createWriteStream } from "node:fs";
import WebSocket from "ws";

export interface WorkerHeap {
  title: string;
  heapUsed: number;
  heapTotal: number;
}

type Reply = (result: unknown) => void;

/**
 * Each worker's heap after a full GC; [] when there is none. With
 * snapshotFile, also writes each worker's heap snapshot to the file it names
 * (by the worker's index and title). Rejects after timeoutMs.
 */
export async function workerHeaps(
  url: string,
  timeoutMs = 60_000,
  snapshotFile?: (index: number, title: string) => string,
): Promise<WorkerHeap[]> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const timer = setTimeout(() => ws.terminate(), snapshotFile ? 10 * timeoutMs : timeoutMs);
  try {
    let next = 1;
    const replies = new Map<number, Reply>();
    const fromWorker = new Map<string, Map<number, Reply>>();
    const chunkSinks = new Map<string, (chunk: string) => void>();
    const attached: { sessionId: string; title: string }[] = [];
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: unknown;
      };
      if (msg.id !== undefined) replies.get(msg.id)?.(msg.result);
      if (msg.method === "NodeWorker.attachedToWorker") {
        const info = msg.params!.workerInfo as { title: string };
        attached.push({ sessionId: msg.params!.sessionId as string, title: info.title });
      }
      if (msg.method === "NodeWorker.receivedMessageFromWorker") {
        const sessionId = msg.params!.sessionId as string;
        const inner = JSON.parse(msg.params!.message as string) as {
          id?: number;
          method?: string;
          params?: { chunk?: string };
          result?: unknown;
        };
        if (inner.method === "HeapProfiler.addHeapSnapshotChunk")
          chunkSinks.get(sessionId)?.(inner.params!.chunk!);
        if (inner.id !== undefined) fromWorker.get(sessionId)?.get(inner.id)?.(inner.result);
      }
    });
    const call = (method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = next++;
        replies.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    const callIn = (sessionId: string, method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = next++;
        let waiting = fromWorker.get(sessionId);
        if (!waiting) fromWorker.set(sessionId, (waiting = new Map()));
        waiting.set(id, resolve);
        void call("NodeWorker.sendMessageToWorker", {
          sessionId,
          message: JSON.stringify({ id, method, params }),
        });
      });
    // Attachment notifications for running workers arrive before enable's answer.
    await call("NodeWorker.enable", { waitForDebuggerOnStart: false });
    const out: WorkerHeap[] = [];
    for (const [i, { sessionId, title }] of attached.entries()) {
      await callIn(sessionId, "HeapProfiler.collectGarbage");
      const r = (await callIn(sessionId, "Runtime.evaluate", {
        expression: "JSON.stringify(process.memoryUsage())",
        returnByValue: true,
      })) as { result: { value: string } };
      const mu = JSON.parse(r.result.value) as { heapUsed: number; heapTotal: number };
      out.push({ title, heapUsed: mu.heapUsed, heapTotal: mu.heapTotal });
      if (snapshotFile) {
        const file = createWriteStream(snapshotFile(i, title));
        chunkSinks.set(sessionId, (chunk) => file.write(chunk));
        await callIn(sessionId, "HeapProfiler.enable");
        // Every chunk arrives before the command's answer.
        await callIn(sessionId, "HeapProfiler.takeHeapSnapshot", { reportProgress: false });
        chunkSinks.delete(sessionId);
        await new Promise<void>((resolve, reject) =>
          file.end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
      }
    }
    await call("NodeWorker.disable");
    return out;
  } finally {
    clearTimeout(timer);
    ws.close();
  }
}
