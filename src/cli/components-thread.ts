/**
 * Runs the controller manager and the scheduler of `k8ts server` in a worker
 * thread: one process still, but two event loops, so the components' own
 * work (informer decoding, reconcile loops, scheduling cycles, their HTTP
 * clients) runs on the machine's second core while the API server's thread
 * serves requests. They reach the API server through its loopback socket as
 * before; nothing but plain data (ControlComponentsSpec) crosses threads.
 *
 * Protocol: the worker posts {type:"started"} or {type:"failed", message}
 * once; the main thread posts {type:"stop"}, the worker stops its components
 * and posts {type:"stopped"}, then its event loop ends.
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { startControlComponents, type ControlComponentsSpec } from "./control-components.ts";

type FromWorker = { type: "started" } | { type: "failed"; message: string } | { type: "stopped" };

/** How long stop() waits for the worker to stop its components before ending the thread anyway. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts the components in a new worker thread; resolves once they run
 * (rejects with their start error). The worker loads this module's sibling
 * the same way the main thread was loaded: compiled JavaScript as is, the
 * TypeScript sources through tsx's loader.
 */
export async function startControlComponentsThread(
  spec: ControlComponentsSpec,
): Promise<{ stop(): Promise<void> }> {
  const self = import.meta.url;
  const fromSource = self.endsWith(".ts");
  const loader = fromSource ? import.meta.resolve("tsx/esm/api") : undefined;
  const bootstrap = [
    "(async () => {",
    loader ? `  (await import(${JSON.stringify(loader)})).register();` : "",
    `  await (await import(${JSON.stringify(self)})).runComponentsWorker();`,
    "})().catch((err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exitCode = 1; });",
  ].join("\n");
  const worker = new Worker(bootstrap, { eval: true, workerData: spec, name: "k8ts-components" });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const messages: FromWorker[] = [];
  let notify: () => void = () => {};
  worker.on("message", (m: FromWorker) => {
    messages.push(m);
    notify();
  });
  worker.on("error", (err) =>
    messages.push({ type: "failed", message: err instanceof Error ? err.message : String(err) }),
  );
  const next = async (): Promise<FromWorker | undefined> => {
    for (;;) {
      const m = messages.shift();
      if (m) return m;
      const code = await Promise.race([
        exited,
        new Promise<undefined>((resolve) => (notify = () => resolve(undefined))),
      ]);
      if (code !== undefined && messages.length === 0) return undefined;
    }
  };
  const first = await next();
  if (first?.type !== "started") {
    await worker.terminate();
    throw new Error(
      `controller manager and scheduler did not start: ${
        first?.type === "failed" ? first.message : "their thread exited"
      }`,
    );
  }
  return {
    async stop() {
      worker.postMessage({ type: "stop" });
      // Stopped components leave nothing to finish: the thread ends at once
      // (any handle a library kept open would otherwise hold it).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        (async () => {
          for (let m = await next(); m && m.type !== "stopped"; m = await next());
        })(),
        new Promise((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      await worker.terminate();
      await exited;
    },
  };
}

/** The worker's side: starts the components from workerData and stops them on request. */
export async function runComponentsWorker(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("runComponentsWorker runs in a worker thread");
  let components: { stop(): Promise<void> };
  try {
    components = await startControlComponents(workerData as ControlComponentsSpec);
  } catch (err) {
    port.postMessage({ type: "failed", message: err instanceof Error ? err.message : String(err) });
    port.close();
    return;
  }
  port.on("message", (m: { type?: string }) => {
    if (m?.type !== "stop") return;
    void components.stop().finally(() => {
      port.postMessage({ type: "stopped" });
      port.close();
    });
  });
  port.postMessage({ type: "started" });
}
