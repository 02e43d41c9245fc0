import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The worker's code, as a CommonJS script: a second SQLite connection that
 * runs PASSIVE checkpoints on request. A checkpoint copies WAL pages into the
 * database file and fsyncs it; PASSIVE never blocks the writer connection.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
parentPort.on("message", (msg) => {
  if (msg === "checkpoint") {
    try {
      const [r] = db.pragma("wal_checkpoint(PASSIVE)");
      parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
    } catch (err) {
      parentPort.postMessage({ ok: false, error: String(err) });
    }
  } else if (msg === "close") {
    db.close();
    parentPort.postMessage({ closed: true });
  }
});
`;

interface CheckpointReply {
  ok?: boolean;
  error?: string;
  closed?: boolean;
  log?: number;
  checkpointed?: number;
}

export interface CheckpointerOptions {
  /** Database file the writer connection has open. */
  path: string;
  /** Ask for a checkpoint after this many write transactions. Default 200. */
  everyTransactions?: number;
  /** Called when the worker cannot run; the caller should re-enable in-line autocheckpoints. */
  onFailure(err: unknown): void;
  /**
   * Runs a PASSIVE checkpoint on the writer connection. Called after a worker
   * checkpoint once the WAL holds at least restartFrames, to copy the few
   * frames written meanwhile, so the writer can restart the WAL from its start.
   */
  finishOnWriter(): void;
  /** WAL size (pages) from which the writer finishes a checkpoint itself. Default 4096 (16 MiB). */
  restartFrames?: number;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs
 * inside a committing transaction and fsyncs the database file there,
 * stalling every write and watch behind it; with autocheckpoint disabled on
 * the writer connection, this runs them on a worker thread instead. At most one
 * checkpoint is in flight; the writer restarts the WAL from its start once a
 * checkpoint has copied it all, so the WAL file stays a bounded size.
 */
export class SqliteCheckpointer {
  readonly #worker: Worker;
  readonly #every: number;
  readonly #onFailure: (err: unknown) => void;
  readonly #finishOnWriter: () => void;
  readonly #restartFrames: number;
  #lastTotal = 0;
  #busy = false;
  #failed = false;
  #closing?: Promise<void>;
  /** Checkpoints completed. */
  checkpoints = 0;

  constructor(opts: CheckpointerOptions) {
    this.#every = opts.everyTransactions ?? 200;
    this.#onFailure = opts.onFailure;
    this.#finishOnWriter = opts.finishOnWriter;
    this.#restartFrames = opts.restartFrames ?? 4096;
    const module = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, path: opts.path },
    });
    this.#worker.unref();
    this.#worker.on("message", (msg: CheckpointReply) => {
      if (msg.closed) return;
      this.#busy = false;
      if (!msg.ok) return;
      this.checkpoints++;
      // Under steady writes the worker never catches the WAL's very end, and
      // SQLite restarts the WAL only once all of it is copied: finish here.
      if ((msg.log ?? 0) >= this.#restartFrames && !this.#closing) this.#finishOnWriter();
    });
    this.#worker.on("error", (err) => this.#fail(err));
  }

  /** Tells the checkpointer how many write transactions have committed in total so far. */
  noteTransactions(total: number): void {
    if (this.#failed || this.#closing || this.#busy) return;
    if (total - this.#lastTotal < this.#every) return;
    this.#lastTotal = total;
    this.#busy = true;
    this.#worker.postMessage("checkpoint");
  }

  /** Closes the worker's connection, then the worker. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#failed) {
        const closed = new Promise<void>((resolve) => {
          const onMsg = (msg: { closed?: boolean }) => {
            if (msg.closed) resolve();
          };
          this.#worker.on("message", onMsg);
          this.#worker.once("error", () => resolve());
          this.#worker.once("exit", () => resolve());
        });
        this.#worker.postMessage("close");
        await closed;
      }
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  #fail(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onFailure(err);
  }
}
