/**
 * SyncPoster: a blocking HTTPS POST for code that must stay synchronous
 * (CRD version conversion runs inside ObjectStore.decode/encode, which are
 * synchronous). A worker thread performs the request while the calling
 * thread waits on a SharedArrayBuffer (Atomics.wait) and then takes the
 * answer off a MessagePort with receiveMessageOnPort.
 *
 * Contract: the caller's event loop is blocked for the duration of the call,
 * bounded by `timeoutMs` (plus a small margin); the server being called must
 * therefore not live on the calling thread. One worker per poster, unref'd;
 * `close()` terminates it.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";

/** One request. */
export interface SyncPostRequest {
  url: string;
  body: string;
  /** PEM CA bundle; undefined uses the system roots. */
  ca?: string;
  /** TLS server name when it differs from the URL host. */
  servername?: string;
  timeoutMs: number;
}

/** The answer: an HTTP status and body, or a transport error (Go-like wording). */
export type SyncPostResult =
  { ok: true; status: number; body: string } | { ok: false; error: string };

// Plain JavaScript run with eval: works the same under tsx and from dist/.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const https = require("node:https");
parentPort.on("message", (m) => {
  let done = false;
  const finish = (result) => {
    if (done) return;
    done = true;
    m.port.postMessage(result);
    m.port.close();
    Atomics.store(m.signal, 0, 1);
    Atomics.notify(m.signal, 0);
  };
  const u = new URL(m.url);
  const addr = u.hostname + ":" + (u.port || "443");
  let req;
  try {
    req = https.request(m.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, */*",
        "content-length": Buffer.byteLength(m.body),
      },
      ca: m.ca,
      servername: m.servername,
      agent: false,
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", (e) => finish({ ok: false, error: e.message }));
      res.on("end", () => finish({ ok: true, status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
  } catch (e) {
    finish({ ok: false, error: e.message });
    return;
  }
  const timer = setTimeout(() => {
    finish({ ok: false, error: "context deadline exceeded" });
    req.destroy();
  }, m.timeoutMs);
  req.on("close", () => clearTimeout(timer));
  req.on("error", (e) => {
    if (e.code === "ECONNREFUSED") finish({ ok: false, error: "dial tcp " + addr + ": connect: connection refused" });
    else if (e.code === "DEPTH_ZERO_SELF_SIGNED_CERT" || e.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || e.code === "SELF_SIGNED_CERT_IN_CHAIN")
      finish({ ok: false, error: "tls: failed to verify certificate: x509: certificate signed by unknown authority" });
    else finish({ ok: false, error: e.message });
  });
  req.end(m.body);
});
`;

/** Margin over the request timeout before the caller stops waiting for the worker. */
const WAIT_MARGIN_MS = 2000;

export class SyncPoster {
  #worker?: Worker;

  /** POSTs `req.body` (JSON) and blocks until the answer, an error or the timeout. */
  post(req: SyncPostRequest): SyncPostResult {
    const worker = (this.#worker ??= this.#start());
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    try {
      worker.postMessage({ ...req, signal, port: port2 }, [port2]);
      Atomics.wait(signal, 0, 0, req.timeoutMs + WAIT_MARGIN_MS);
      const msg = receiveMessageOnPort(port1);
      if (!msg) return { ok: false, error: "context deadline exceeded" };
      return msg.message as SyncPostResult;
    } finally {
      port1.close();
    }
  }

  /** Stops the worker thread. */
  close(): void {
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  #start(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on("error", () => {
      if (this.#worker === w) this.#worker = undefined;
    });
    return w;
  }
}
