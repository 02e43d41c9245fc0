/**
 * Writes pod statuses to the API (upstream status.Manager): the latest
 * status per pod is patched into pods/<name>/status, at most one write per
 * pod at a time, skipped when unchanged, retried after failures. For a pod
 * the kubelet has finished killing after deletion, `finalize` writes the
 * final status and deletes the pod with grace period 0 (uid precondition).
 * Static pods are written through their mirror pods (same name/namespace).
 */
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
  written?: string;
  writing?: Promise<void>;
  dirty: boolean;
}

export class StatusManager {
  private entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly opts: { clock: Clock; log: Logger },
  ) {}

  /** The last status handed in for the pod uid. */
  getStatus(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status;
  }

  setStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata?.uid ?? "";
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
    const body = JSON.stringify(e.status);
    if (body === e.written) return;
    try {
      await this.client.patch(
        podsRef,
        e.namespace,
        e.name,
        "merge",
        { status: e.status },
        { subresource: "status" },
      );
      e.written = body;
    } catch (err) {
      if (isNotFound(err)) {
        e.written = body;
        return;
      }
      this.opts.log.warn("pod status update failed", { pod: `${e.namespace}/${e.name}`, err });
      if (!isConflict(err)) await new Promise<void>((r) => this.opts.clock.after(1000, r));
      e.dirty = true;
    }
  }

  /** Writes the final status now, then deletes the pod (grace 0, same uid). */
  async finalize(pod: Pod, status: PodStatus): Promise<void> {
    this.setStatus(pod, status);
    const e = this.entries.get(pod.metadata?.uid ?? "")!;
    while (e.writing) await e.writing;
    try {
      await this.client.delete(podsRef, e.namespace, e.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: e.uid },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err))
        this.opts.log.warn("pod delete failed", { pod: `${e.namespace}/${e.name}`, err });
    }
    this.entries.delete(e.uid);
  }

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
}
