/**
 * The garbage collector: deletes objects whose owners are all gone
 * (background cascading deletion), and carries out the "orphan" and
 * "foregroundDeletion" finalizers the API server puts on owners deleted with
 * those propagation policies. Decisions are made per uid from the ownership
 * graph and re-checked against the API before acting.
 */
import type { KObject, OwnerReference } from "../../api/types.ts";
import { ApiError, isNotFound } from "../../client/api-error.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { OwnershipGraph, type GraphNode } from "./graph.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";
import type { ControllerDeps } from "../queue-controller.ts";

/** Resources the collector watches: anything that can own or be owned. */
export interface CollectedResource {
  ref: ResourceRef;
  kind: string;
}

/** Never watched, as upstream's DefaultIgnoredResources: core and events.k8s.io Events. */
export const GC_IGNORED_RESOURCES: readonly { group: string; resource: string }[] = [
  { group: "", resource: "events" },
  { group: "events.k8s.io", resource: "events" },
];

/**
 * The discovered resources the collector watches: those it can list, watch
 * and delete, minus the ignored ones.
 */
export function collectableResources<R extends CollectedResource & { verbs: string[] }>(
  discovered: R[],
): R[] {
  return discovered.filter(
    (r) =>
      ["list", "watch", "delete"].every((v) => r.verbs.includes(v)) &&
      !GC_IGNORED_RESOURCES.some((i) => i.group === r.ref.group && i.resource === r.ref.resource),
  );
}

/** Upstream's absentOwnerCache size. */
const ABSENT_OWNER_CACHE_SIZE = 500;

export class GarbageCollector {
  readonly graph = new OwnershipGraph();
  /**
   * UIDs of owners known to be gone (seen deleted with dependents, or not
   * found by a live read), most recent last, at most ABSENT_OWNER_CACHE_SIZE:
   * as upstream's absentOwnerCache, so the dependents of one deleted owner
   * (all 10,000 pods of a ReplicaSet) cost one owner lookup, not one each.
   * Objects deleted without dependents (the pods themselves) are not added,
   * as upstream: thousands of them would evict the owner. A UID never returns.
   */
  private readonly absentOwners = new Set<string>();
  private readonly queue: WorkQueue;
  private readonly byKind = new Map<string, ResourceRef>();
  private readonly informers;

  constructor(
    private readonly opts: ControllerDeps & {
      resources: CollectedResource[];
    },
  ) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "garbage_collector_attempt_to_delete",
      metrics: opts.queueMetrics,
    });
    this.informers = opts.resources.map(({ ref, kind }) => {
      const groupVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
      this.byKind.set(`${ref.group}/${kind}`, ref);
      const inf = opts.informers.informerFor(ref);
      const seen = (obj: KObject) => {
        const before = this.graph.get(obj.metadata?.uid ?? "");
        const node = this.graph.upsert(obj, ref, kind, groupVersion);
        if (this.worthAttempt(before, node)) this.queue.add(node.uid);
        if (node.deleting) for (const d of this.graph.dependentsOf(node.uid)) this.queue.add(d.uid);
      };
      inf.addEventHandler({
        add: seen,
        update: (_, obj) => seen(obj),
        delete: (obj) => {
          const uid = obj.metadata?.uid ?? "";
          const gone = this.graph.remove(uid);
          const dependents = this.graph.dependentsOf(uid);
          if (uid && dependents.length) this.ownerAbsent(uid);
          for (const d of dependents) this.queue.add(d.uid);
          // An owner waiting in foreground deletion may now be free to go.
          for (const o of gone?.owners ?? []) this.queue.add(o.uid);
        },
      });
      return inf;
    });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, this.informers))) return;
    await runWorkers(this.queue, workers, (uid) => this.processItem(uid));
  }

  /**
   * Whether an add or update of node can change what the collector does with
   * it, as upstream's processGraphChanges: a new node, changed owner
   * references, deletion state or finalizers, or an owner missing from the
   * graph (to be confirmed by a read). An update that changes none of these
   * (a pod's status) is not queued: if an owner goes later, its delete event
   * queues its dependents.
   */
  private worthAttempt(before: GraphNode | undefined, node: GraphNode): boolean {
    if (!before || before.deleting !== node.deleting) return true;
    if (!sameList(before.finalizers, node.finalizers)) return true;
    if (before.owners.length !== node.owners.length) return true;
    for (let i = 0; i < node.owners.length; i++) {
      const [a, b] = [before.owners[i]!, node.owners[i]!];
      if (a.uid !== b.uid || a.blockOwnerDeletion !== b.blockOwnerDeletion) return true;
      if (!this.graph.get(b.uid)) return true;
    }
    return false;
  }

  private refForOwner(o: OwnerReference): ResourceRef | undefined {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "";
    return this.byKind.get(`${group}/${o.kind}`);
  }

  /** Reconciles one object by uid. */
  async processItem(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deleting && node.finalizers.includes("orphan")) return this.orphanDependents(node);
    if (node.deleting && node.finalizers.includes("foregroundDeletion"))
      return this.deleteDependentsInForeground(node);
    if (node.owners.length === 0) return;
    await this.attemptToDelete(node);
  }

  /** Remembers that the owner with uid is gone (evicting the oldest beyond the cache size). */
  private ownerAbsent(uid: string): void {
    this.absentOwners.delete(uid);
    this.absentOwners.add(uid);
    if (this.absentOwners.size > ABSENT_OWNER_CACHE_SIZE)
      this.absentOwners.delete(this.absentOwners.values().next().value as string);
  }

  /** Is the owner really gone? Checks the graph, the absent owners, then the API (the cache may lag). */
  private async ownerState(
    o: OwnerReference,
    namespace?: string,
  ): Promise<"present" | "absent" | "deleting-foreground"> {
    const inGraph = this.graph.get(o.uid);
    if (inGraph)
      return inGraph.deleting && inGraph.finalizers.includes("foregroundDeletion")
        ? "deleting-foreground"
        : "present";
    if (this.absentOwners.has(o.uid)) return "absent";
    const ref = this.refForOwner(o);
    if (!ref) return "present"; // unknown kinds are never collected
    try {
      const live = await this.opts.client.get(ref, ref.namespaced ? namespace : undefined, o.name);
      if (live.metadata?.uid !== o.uid) {
        this.ownerAbsent(o.uid);
        return "absent";
      }
      const fin = live.metadata?.finalizers ?? [];
      return live.metadata?.deletionTimestamp && fin.includes("foregroundDeletion")
        ? "deleting-foreground"
        : "present";
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.ownerAbsent(o.uid);
      return "absent";
    }
  }

  private async attemptToDelete(node: GraphNode): Promise<void> {
    if (node.deleting) return;
    const states = await Promise.all(
      node.owners.map(async (o) => ({ o, s: await this.ownerState(o, node.namespace) })),
    );
    const absent = states.filter((x) => x.s === "absent");
    const present = states.filter((x) => x.s === "present");
    const foreground = states.filter((x) => x.s === "deleting-foreground");
    if (present.length === 0 && foreground.length === 0) {
      await this.deleteObject(node, "Background");
      return;
    }
    if (present.length === 0 && foreground.length > 0) {
      await this.deleteObject(node, "Foreground");
      return;
    }
    if (absent.length > 0) {
      const keep = node.owners.filter((o) => !absent.some((a) => a.o.uid === o.uid));
      await this.patchOwners(node, keep);
    }
  }

  private async deleteObject(node: GraphNode, policy: "Background" | "Foreground"): Promise<void> {
    try {
      await this.opts.client.request("DELETE", this.path(node), {
        body: {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: policy,
          preconditions: { uid: node.uid },
        },
      });
    } catch (err) {
      // 404: already gone; 409: the uid precondition failed (a new object took the name).
      if (!isNotFound(err) && !(err instanceof ApiError && err.code === 409)) throw err;
    }
  }

  private path(node: GraphNode): string {
    const r = node.ref;
    let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    if (r.namespaced && node.namespace) p += `/namespaces/${node.namespace}`;
    return `${p}/${r.resource}/${node.name}`;
  }

  private async patchOwners(node: GraphNode, owners: OwnerReference[]): Promise<void> {
    try {
      await this.opts.client.patch(node.ref, node.namespace, node.name, "merge", {
        metadata: { ownerReferences: owners.length ? owners : null, uid: node.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    try {
      const live = await this.opts.client.get(node.ref, node.namespace, node.name);
      const fins = (live.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
      await this.opts.client.patch(node.ref, node.namespace, node.name, "merge", {
        metadata: {
          finalizers: fins.length ? fins : null,
          resourceVersion: live.metadata?.resourceVersion,
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async orphanDependents(owner: GraphNode): Promise<void> {
    for (const dep of this.graph.dependentsOf(owner.uid)) {
      await this.patchOwners(
        dep,
        dep.owners.filter((o) => o.uid !== owner.uid),
      );
    }
    await this.removeFinalizer(owner, "orphan");
  }

  private async deleteDependentsInForeground(owner: GraphNode): Promise<void> {
    const deps = this.graph.dependentsOf(owner.uid);
    const blocking = deps.filter((d) =>
      d.owners.some((o) => o.uid === owner.uid && o.blockOwnerDeletion),
    );
    for (const dep of deps) {
      if (dep.deleting) continue;
      const others = dep.owners.filter(
        (o) => o.uid !== owner.uid && this.graph.get(o.uid) && !this.graph.get(o.uid)?.deleting,
      );
      if (others.length > 0)
        await this.patchOwners(
          dep,
          dep.owners.filter((o) => o.uid !== owner.uid),
        );
      else await this.deleteObject(dep, "Foreground");
    }
    if (blocking.length === 0) await this.removeFinalizer(owner, "foregroundDeletion");
    else this.queue.addAfter(owner.uid, 5000);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
