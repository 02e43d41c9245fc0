/**
 * The kubelet's set of pod workers (upstream podWorkers with the pod
 * admission step of HandlePodAdditions): one PodWorker per pod bound to
 * this node, created when the pod first arrives and admitted, updated on
 * every change, removed when the pod is gone and its worker has cleaned
 * up. A pod rejected at admission never runs: it gets a Failed status with
 * the rejection's reason, and is finalized at once when deleted.
 *
 * It is also the pod state the container GC asks (upstream
 * PodStateProvider): a pod's content may go once it is unknown (deleted
 * and cleaned up, or never seen) or evicted; its runtime (dead containers,
 * sandboxes) may go under disk pressure once it is terminated.
 *
 * A pod whose worker finished after its deletion (killed, finalized) does
 * not get a worker again until the source reports it gone (upstream: once
 * a pod is terminated by uid it cannot re-enter the pod workers until the
 * uid is purged): the echo of its final status write would otherwise start
 * a second termination, writing the status and deleting the pod again.
 *
 * Pods found running in the runtime but unknown here (deleted from the API
 * while the kubelet was down) get a worker of their own that kills them
 * (upstream's runtime-only pods of HandlePodCleanups, SyncPodKill with a
 * RunningPod); such workers are not among pods().
 */
import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { PodSandboxMetadata } from "./runtime/runtime.ts";
import type { PodStateProvider } from "./container-gc.ts";
import { PodWorker, type PodWorkerDeps } from "./pod/pod-worker.ts";
import { podQOS } from "./pod/qos.ts";
import { isMirrorPod } from "./static-pods.ts";

/** The admission verdict for a new pod (upstream PodAdmitResult). */
export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

export interface PodWorkersOptions {
  nodeName: string;
  /** Everything a worker needs; `done` is called after the worker is dropped. */
  deps: PodWorkerDeps;
  /** Admission of a pod about to run for the first time (node pressure). */
  admit(pod: Pod): AdmitResult;
}

const isTerminalPhase = (s?: PodStatus) => s?.phase === "Succeeded" || s?.phase === "Failed";

/**
 * The grace period orphaned containers get: upstream overrides it to 1 s
 * and then raises it to its 2 s minimum (minimumGracePeriodInSeconds).
 */
export const orphanGracePeriodSeconds = 2;

export class PodWorkers implements PodStateProvider {
  private readonly workers = new Map<string, PodWorker>();
  /** Pods rejected at admission, by uid, with the status written for them. */
  private readonly rejected = new Map<string, PodStatus>();
  /** Uids of the workers of runtime-only (orphaned) pods. */
  private readonly orphans = new Set<string>();
  /** Uids of deleted pods whose worker finished, until the source reports them gone. */
  private readonly terminated = new Set<string>();
  /** Uids whose pods the source reported gone while their worker still ran. */
  private readonly removing = new Set<string>();
  /** Uids whose worker finished since the last markHousekeeping(). */
  private recentlyDone = new Set<string>();
  private readonly deps: PodWorkerDeps;

  constructor(private readonly o: PodWorkersOptions) {
    this.deps = {
      ...o.deps,
      done: (uid) => {
        // A worker that finished on its own (not removed, not an orphan) terminated a deleted pod.
        if (!this.removing.delete(uid) && !this.orphans.has(uid)) this.terminated.add(uid);
        this.workers.delete(uid);
        this.orphans.delete(uid);
        this.recentlyDone.add(uid);
        o.deps.done(uid);
      },
    };
  }

  /**
   * Starts a housekeeping round: call it before listing the runtime, so
   * that a worker finishing while the listing is in flight still counts
   * as known to that round (its sandboxes in the listing are not orphans).
   */
  markHousekeeping(): void {
    this.recentlyDone = new Set();
  }

  /** A worker exists (or finished this round) for the pod, or it was rejected at admission. */
  isKnown(uid: string): boolean {
    return this.workers.has(uid) || this.rejected.has(uid) || this.recentlyDone.has(uid);
  }

  /**
   * Kills a pod the runtime runs but no source knows (upstream: a
   * runtime-only pod): its containers are stopped with
   * orphanGracePeriodSeconds (no hooks: the spec is gone), its sandboxes
   * stopped and removed, its volumes, log directory and cgroup removed.
   * False when the pod is already known.
   */
  killOrphan(meta: PodSandboxMetadata): boolean {
    if (this.isKnown(meta.uid)) return false;
    const pod: Pod = {
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        deletionTimestamp: new Date(this.deps.clock.now()).toISOString(),
        deletionGracePeriodSeconds: orphanGracePeriodSeconds,
      },
      spec: { containers: [] },
    };
    const w = new PodWorker(pod, this.deps, true);
    this.workers.set(meta.uid, w);
    this.orphans.add(meta.uid);
    w.remove();
    return true;
  }

  /** A pod from the API or a static manifest, new or changed. */
  upsert(pod: Pod): void {
    if (pod.spec?.nodeName !== this.o.nodeName || isMirrorPod(pod)) return;
    const uid = pod.metadata?.uid ?? "";
    if (this.terminated.has(uid)) return;
    const w = this.workers.get(uid);
    const rejectedStatus = this.rejected.get(uid);
    if (rejectedStatus) {
      // Never run; a deleted rejected pod is finalized at once (no containers to stop).
      if (pod.metadata?.deletionTimestamp) {
        this.rejected.delete(uid);
        this.terminated.add(uid);
        void this.deps.finalize(pod, rejectedStatus);
      }
    } else if (w) w.update(pod);
    else if (this.admit(pod)) {
      const nw = new PodWorker(pod, this.deps);
      this.workers.set(uid, nw);
      nw.trigger();
    }
  }

  /** The pod is gone from its source: its worker stops everything. */
  remove(uid: string): void {
    if (this.rejected.delete(uid)) this.o.deps.done(uid);
    this.terminated.delete(uid);
    const w = this.workers.get(uid);
    if (!w) return;
    if (!this.orphans.has(uid)) this.removing.add(uid);
    w.remove();
  }

  private admit(pod: Pod): boolean {
    if (isTerminalPhase(pod.status) || pod.metadata?.deletionTimestamp) return true;
    const verdict = this.o.admit(pod);
    if (verdict.admit) return true;
    const status: PodStatus = {
      qosClass: podQOS(pod),
      phase: "Failed",
      reason: verdict.reason,
      message: `Pod was rejected: ${verdict.message}`,
    };
    this.rejected.set(pod.metadata?.uid ?? "", status);
    this.deps.event(pod, "Warning", verdict.reason, verdict.message);
    this.deps.setStatus(pod, status);
    return false;
  }

  /** The pods the kubelet runs, with their latest computed status. */
  pods(): Pod[] {
    const out: Pod[] = [];
    for (const [uid, w] of this.workers) if (!this.orphans.has(uid)) out.push(w.current);
    return out;
  }

  /** The pods eligible for eviction: not terminal, not being deleted. */
  activePods(): Pod[] {
    return this.pods().filter((p) => !p.metadata?.deletionTimestamp && !isTerminalPhase(p.status));
  }

  /** Node-pressure eviction of one pod (reason Evicted, or another); resolves once it is stopped. */
  async evict(pod: Pod, message: string, graceSeconds: number, reason?: string): Promise<void> {
    await this.workers.get(pod.metadata?.uid ?? "")?.evict(message, graceSeconds, reason);
  }

  /** Kicks the worker of a pod whose runtime state changed (PLEG). */
  trigger(uid: string): void {
    this.workers.get(uid)?.trigger();
  }

  /** Waits until every worker is idle. */
  async settled(): Promise<void> {
    for (const w of [...this.workers.values()]) await w.settled();
  }

  shouldPodContentBeRemoved(uid: string): boolean {
    const w = this.workers.get(uid);
    return !w || w.isEvicted;
  }

  shouldPodRuntimeBeRemoved(uid: string): boolean {
    const w = this.workers.get(uid);
    return !w || isTerminalPhase(w.current.status);
  }
}
