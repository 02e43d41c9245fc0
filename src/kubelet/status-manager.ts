/**
 * Writes pod statuses to the API (upstream status.Manager): the latest
 * status per pod is patched into pods/<name>/status, at most one write per
 * pod at a time, skipped when unchanged, retried after failures. For a pod
 * the kubelet has finished killing after deletion, `finalize` writes the
 * final status and deletes the pod with grace period 0 (uid precondition).
 * Static pods are written through their mirror pods (same name/namespace).
 *
 * A pod is finalized once: its uid is remembered for finalizedMemoryMs to
 * 2x that after its delete succeeded (or found it gone), and later statuses
 * and finalize calls for it are dropped. The echo of the final status write
 * can reach a pod source after the worker that finalized the pod is gone,
 * and a new worker for the still-terminating pod would write both again
 * (upstream keeps such a pod's finished state until housekeeping purges it).
 */
import { createHash } from "node:crypto";
import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { isNotFound, isConflict } from "../client/api-error.ts";
import type { Clock } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import { podsRef } from "../client/resources.ts";
import type { Logger } from "../util/logger.ts";

interface Entry {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatus;
  /** Digest of the last status written (its JSON is ≈1 KB per pod; the digest 28 characters). */
  written?: string;
  writing?: Promise<void>;
  dirty: boolean;
}

/** How long (at least; at most twice) a finalized pod's uid is remembered. */
export const finalizedMemoryMs = 5 * 60_000;

/**
 * SHA-1 of a status's JSON (28 characters): equal statuses, equal digests.
 * (createHash, not crypto.hash: that needs Node 20.12, package.json allows 20.)
 */
const digest = (json: string) => createHash("sha1").update(json).digest("base64");

export class StatusManager {
  private entries = new Map<string, Entry>();
  private stopped = false;
  /** Aborted by cancel(): the status writes in flight are abandoned. */
  private readonly abandon = new AbortController();
  /** Finalize calls in flight, by uid (a second call waits for the first). */
  private readonly finalizing = new Map<string, Promise<void>>();
  /** Finalized uids: this period's and the previous one's (rotated lazily, by the clock). */
  private finalized = new Set<string>();
  private finalizedBefore = new Set<string>();
  private periodStart: number;

  constructor(
    private readonly client: RestClient,
    private readonly opts: { clock: Clock; log: Logger },
  ) {
    this.periodStart = opts.clock.now();
  }

  /** The pod uid was finalized (deleted, or found gone) in the last finalizedMemoryMs at least. */
  isFinalized(uid: string): boolean {
    this.rotate();
    return this.finalized.has(uid) || this.finalizedBefore.has(uid);
  }

  private rotate(): void {
    const now = this.opts.clock.now();
    const age = now - this.periodStart;
    if (age < finalizedMemoryMs) return;
    this.finalizedBefore = age < 2 * finalizedMemoryMs ? this.finalized : new Set();
    this.finalized = new Set();
    this.periodStart = now;
  }

  /** The last status handed in for the pod uid. */
  getStatus(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status;
  }

  /** Hands in the pod's latest status (dropped for a pod finalized already). */
  setStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.finalizing.has(uid) || this.isFinalized(uid)) return;
    let e = this.entries.get(uid);
    if (!e) {
      e = {
        namespace: pod.metadata?.namespace ?? "default",
        name: pod.metadata?.name ?? "",
        uid,
        status,
        dirty: true,
      };
      this.entries.set(uid, e);
    }
    e.status = status;
    e.dirty = true;
    this.kick(e);
  }

  private kick(e: Entry): void {
    if (e.writing || this.stopped) return;
    e.writing = this.write(e).finally(() => {
      e.writing = undefined;
      if (e.dirty && this.entries.get(e.uid) === e) this.kick(e);
    });
  }

  private async write(e: Entry): Promise<void> {
    e.dirty = false;
    const body = digest(JSON.stringify(e.status));
    if (body === e.written) return;
    try {
      // The answer (the whole pod) is never read: not decoded.
      await this.client.patchIgnoringAnswer(
        podsRef,
        e.namespace,
        e.name,
        "merge",
        { status: e.status },
        { subresource: "status", signal: this.abandon.signal },
      );
      e.written = body;
    } catch (err) {
      if (this.abandon.signal.aborted) return;
      if (isNotFound(err)) {
        e.written = body;
        return;
      }
      this.opts.log.warn("pod status update failed", { pod: `${e.namespace}/${e.name}`, err });
      if (!isConflict(err)) await new Promise<void>((r) => this.opts.clock.after(1000, r));
      e.dirty = true;
    }
  }

  /**
   * Writes the final status now, then deletes the pod (grace 0, same uid).
   * A pod finalized already (or being finalized) is not written again.
   */
  finalize(pod: Pod, status: PodStatus): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const running = this.finalizing.get(uid);
    if (running) return running;
    if (this.isFinalized(uid)) return Promise.resolve();
    this.setStatus(pod, status);
    const done = this.finalizeOnce(this.entries.get(uid)!).finally(() =>
      this.finalizing.delete(uid),
    );
    this.finalizing.set(uid, done);
    return done;
  }

  private async finalizeOnce(e: Entry): Promise<void> {
    while (e.writing) await e.writing;
    let gone = true;
    try {
      await this.client.delete(podsRef, e.namespace, e.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: e.uid },
      });
    } catch (err) {
      // Not found or another uid under the name: this uid is gone all the same.
      if (!isNotFound(err) && !isConflict(err)) {
        gone = false;
        this.opts.log.warn("pod delete failed", { pod: `${e.namespace}/${e.name}`, err });
      }
    }
    // A failed delete is not remembered: the next finalize (the pod's next sync) retries it.
    if (gone) {
      this.rotate();
      this.finalized.add(e.uid);
    }
    this.entries.delete(e.uid);
  }

  /** Drops the pod's status entry (its worker is gone); a finalized uid stays remembered. */
  forget(uid: string): void {
    this.entries.delete(uid);
  }

  /** Waits for writes in flight, and for the few that follow them (an entry dirtied meanwhile). */
  async flush(): Promise<void> {
    // A write that found its entry dirty again starts the next one as it ends; a few rounds
    // at most, so a failing API server cannot hold the caller.
    for (let round = 0; round < 3; round++) {
      const writing = [...this.entries.values()].flatMap((e) => (e.writing ? [e.writing] : []));
      if (!writing.length) return;
      await Promise.all(writing);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Stops and abandons the status writes in flight (their requests are
   * aborted), for a prompt stop that leaves the API as it is, as a killed
   * kubelet would; flush() then waits for nothing. Finalizing deletes go on.
   */
  cancel(): void {
    this.stopped = true;
    this.abandon.abort();
  }
}
