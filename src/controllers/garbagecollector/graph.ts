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

  upsert(obj: KObject, ref: ResourceRef): GraphNode {
    const uid = obj.metadata?.uid ?? "";
    const old = this.nodes.get(uid);
    if (old) for (const o of old.owners) this.dependents.get(o.uid)?.delete(uid);
    const node: GraphNode = {
      uid,
      ref,
      kind: obj.kind ?? "",
      apiVersion: obj.apiVersion ?? "",
      namespace: obj.metadata?.namespace,
      name: obj.metadata?.name ?? "",
      owners: obj.metadata?.ownerReferences ?? [],
      deleting: !!obj.metadata?.deletionTimestamp,
      finalizers: obj.metadata?.finalizers ?? [],
    };
    this.nodes.set(uid, node);
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
    for (const o of node.owners) this.dependents.get(o.uid)?.delete(uid);
    return node;
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
