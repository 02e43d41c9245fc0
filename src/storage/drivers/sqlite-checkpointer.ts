import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { realClock, type Clock, type TimerHandle } from "../../client/clock.ts";

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

/** A writer with no transaction for this long is quiet (see noteTransactions). */
export const QUIET_MS = 50;

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
   * Hold new write transactions (queue them; the event loop keeps running)
   * while the worker copies the WAL's last frames, so that the writer can
   * restart the WAL from its start. Purely an optimization: correctness never
   * depends on the pause.
   */
  pauseWrites(): void;
  resumeWrites(): void;
  /** WAL size (pages) from which writes pause for a closing checkpoint. Default 16384 (64 MiB of 4 KiB pages). */
  restartFrames?: number;
  /** Times the quiet-writer wait (QUIET_MS). */
  clock?: Clock;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs
 * inside a committing transaction and fsyncs the database file there,
 * stalling every write, read and watch behind it; with autocheckpoint disabled
 * on the writer connection, a worker thread runs them instead. At most one
 * checkpoint is in flight.
 *
 * SQLite restarts the WAL from its start only after a checkpoint copied all of
 * it, which never happens while writes keep appending. So once the WAL is
 * large, writes pause (queued, not blocking) for one more, short checkpoint
 * of the frames added meanwhile; the next write then restarts the WAL, which
 * keeps the file at a bounded size.
 */
export class SqliteCheckpointer {
  readonly #worker: Worker;
  readonly #every: number;
  /** Transactions since the last checkpoint that make a quiet writer's checkpoint worth it. */
  readonly #quietMinimum: number;
  readonly #restartFrames: number;
  readonly #opts: CheckpointerOptions;
  readonly #clock: Clock;
  #lastTotal = 0;
  #busy = false;
  #paused = false;
  #failed = false;
  #closing?: Promise<void>;
  /** Transactions noted so far, and the pending quiet-writer check. */
  #total = 0;
  #quietTimer?: TimerHandle;
  #idle: Array<() => void> = [];
  /** Checkpoints completed. */
  checkpoints = 0;
  /** Closing checkpoints run with writes paused. */
  restarts = 0;

  constructor(opts: CheckpointerOptions) {
    this.#opts = opts;
    this.#every = opts.everyTransactions ?? 200;
    this.#quietMinimum = Math.ceil(this.#every / 8);
    this.#restartFrames = opts.restartFrames ?? 16384;
    this.#clock = opts.clock ?? realClock;
    const module = createRequire(import.meta.url).resolve("better-sqlite3");
    // Plain CommonJS: no need for the parent's loaders (tsx) in this thread.
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { module, path: opts.path },
    });
    this.#worker.unref();
    this.#worker.on("message", (msg: CheckpointReply) => this.#reply(msg));
    this.#worker.on("error", (err) => this.#fail(err));
  }

  /**
   * Tells the checkpointer how many write transactions have committed in total
   * so far, and whether the writer has nothing queued or unsynced. A quiet
   * writer gets its checkpoint sooner: with no writes racing it, a checkpoint
   * copies the whole WAL and the next write restarts it, without any pause.
   * Quiet means no transaction for QUIET_MS, not merely idle between two
   * commits: writes that arrive one at a time (lease renewals) leave the
   * writer idle after each, and a checkpoint every few of them cost more CPU
   * than their commits (a database fsync and two thread wake-ups each; hot
   * pages copied again and again).
   */
  noteTransactions(total: number, writerIdle: boolean): void {
    this.#total = total;
    if (this.#failed || this.#closing || this.#busy) return;
    const since = total - this.#lastTotal;
    if (since >= this.#every) {
      this.#lastTotal = total;
      this.#request();
    } else if (writerIdle && since >= this.#quietMinimum && !this.#quietTimer) {
      this.#quietTimer = this.#clock.after(QUIET_MS, () => this.#quietCheck(total));
    }
  }

  /**
   * Checkpoints if no transaction committed since `total` was noted QUIET_MS
   * ago; after more commits, looks again QUIET_MS later.
   */
  #quietCheck(total: number): void {
    this.#quietTimer = undefined;
    if (this.#failed || this.#closing || this.#busy) return;
    if (this.#total - this.#lastTotal < this.#quietMinimum) return;
    if (this.#total !== total) {
      const now = this.#total;
      this.#quietTimer = this.#clock.after(QUIET_MS, () => this.#quietCheck(now));
      return;
    }
    this.#lastTotal = total;
    this.#request();
  }

  /** Closes the worker's connection, then the worker. Resumes writes if paused. */
  close(): Promise<void> {
    this.#quietTimer?.cancel();
    this.#closing ??= (async () => {
      this.#resume();
      if (!this.#failed) {
        const closed = new Promise<void>((resolve) => {
          this.#worker.on("message", (msg: CheckpointReply) => {
            if (msg.closed) resolve();
          });
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

  /** Resolves when no checkpoint is in flight and writes are not paused. */
  idle(): Promise<void> {
    if (!this.#busy || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #request(): void {
    this.#busy = true;
    this.#worker.postMessage("checkpoint");
  }

  #reply(msg: CheckpointReply): void {
    if (msg.closed) return;
    this.#busy = false;
    if (msg.ok) this.checkpoints++;
    if (this.#paused) {
      this.#resume();
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    if (msg.ok && (msg.log ?? 0) >= this.#restartFrames && !this.#closing && !this.#failed) {
      this.#paused = true;
      this.restarts++;
      this.#opts.pauseWrites();
      this.#request();
      return;
    }
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#opts.resumeWrites();
  }

  #fail(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#resume();
    for (const resolve of this.#idle.splice(0)) resolve();
    this.#opts.onFailure(err);
  }
}
