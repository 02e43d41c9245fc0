/**
 * The garbage collector's view of ownership: every watched object by uid,
 * with its owner references and the uids that name it as an owner. Rebuilt
 * from informer events; the collector decides from it, then confirms with
 * live reads before deleting anything.
 */
import type { KObject, OwnerReference } from "../../api/types.ts";
import type { ResourceRef } from "../../client/rest-client.ts";

export interface GraphNode {
  uid: string;
  ref: ResourceRef;
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  /** Being deleted (deletionTimestamp set). */
  deleting: boolean;
  finalizers: string[];
}

export class OwnershipGraph {
  private nodes = new Map<string, GraphNode>();
  private dependents = new Map<string, Set<string>>();

  /**
   * Records obj (kind and apiVersion default to the object's own) as a new
   * node; the dependents links are rewritten only when its owners' UIDs
   * changed (most updates, e.g. a pod's status, keep them).
   */
  upsert(obj: KObject, ref: ResourceRef, kind?: string, apiVersion?: string): GraphNode {
    const uid = obj.metadata?.uid ?? "";
    const old = this.nodes.get(uid);
    const node: GraphNode = {
      uid,
      ref,
      kind: kind ?? obj.kind ?? "",
      apiVersion: apiVersion ?? obj.apiVersion ?? "",
      namespace: obj.metadata?.namespace,
      name: obj.metadata?.name ?? "",
      owners: obj.metadata?.ownerReferences ?? [],
      deleting: !!obj.metadata?.deletionTimestamp,
      finalizers: obj.metadata?.finalizers ?? [],
    };
    this.nodes.set(uid, node);
    if (old && sameOwnerUids(old.owners, node.owners)) return node;
    if (old) this.unlink(uid, old.owners);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    return node;
  }

  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    this.nodes.delete(uid);
    this.unlink(uid, node.owners);
    return node;
  }

  /** Owner UIDs with at least one dependent in the graph (for tests). */
  get ownersWithDependents(): number {
    return this.dependents.size;
  }

  /** Drops uid from its owners' dependents, and owners left with none. */
  private unlink(uid: string, owners: OwnerReference[]): void {
    for (const o of owners) {
      const set = this.dependents.get(o.uid);
      if (!set) continue;
      set.delete(uid);
      if (set.size === 0) this.dependents.delete(o.uid);
    }
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Nodes that list uid among their owners. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])]
      .map((d) => this.nodes.get(d))
      .filter((n): n is GraphNode => !!n);
  }
}

function sameOwnerUids(a: OwnerReference[], b: OwnerReference[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.uid !== b[i]!.uid) return false;
  return true;
}
