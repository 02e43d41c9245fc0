/** Topology spread constraints compiled for matching, and the default selector of a pod's owners. */
import type { Pod, TopologySpreadConstraint } from "kubernetes-types/core/v1.d.ts";
import {
  LabelSelector,
  labelSelectorFromObject,
  type LabelSelectorObject,
  type Requirement,
} from "../../../api/selectors/label-selector.ts";
import type { Handle } from "../../framework/interfaces.ts";

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  /** A canonical string of the selector (memo key). */
  selectorKey: string;
  minDomains: number;
  nodeAffinityPolicy: "Honor" | "Ignore";
  nodeTaintsPolicy: "Honor" | "Ignore";
}

/** Compiles constraints; matchLabelKeys add the pod's own values to the selector. */
export function buildConstraints(
  list: TopologySpreadConstraint[],
  pod: Pod,
  selectorOverride?: LabelSelector,
): Constraint[] {
  const out: Constraint[] = [];
  const labels = pod.metadata?.labels ?? {};
  for (const c of list) {
    let selector = selectorOverride;
    if (!selector) {
      const r = labelSelectorFromObject(c.labelSelector as LabelSelectorObject | undefined);
      selector = r.ok ? r.selector : LabelSelector.nothing();
    }
    const extra: Requirement[] = [];
    for (const key of c.matchLabelKeys ?? []) {
      const v = labels[key];
      if (v !== undefined) extra.push({ key, operator: "in", values: [v] });
    }
    if (extra.length && !selector.matchesNothing)
      selector = LabelSelector.of([...selector.requirements, ...extra]);
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      selectorKey: selector.matchesNothing ? "<nothing>" : selector.toString(),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === "Ignore" ? "Ignore" : "Honor",
      nodeTaintsPolicy: c.nodeTaintsPolicy === "Honor" ? "Honor" : "Ignore",
    });
  }
  return out;
}

/**
 * Upstream DefaultSelector: the union of the selectors of the services,
 * replication controllers, replica sets and stateful sets the pod belongs to;
 * undefined when it belongs to none.
 */
export function defaultSelector(pod: Pod, handle: Handle): LabelSelector | undefined {
  const ns = pod.metadata?.namespace;
  const labels = pod.metadata?.labels ?? {};
  const reqs: Requirement[] = [];
  const addSet = (set: Record<string, string> | undefined) => {
    for (const [key, value] of Object.entries(set ?? {}))
      reqs.push({ key, operator: "=", values: [value] });
  };
  for (const svc of handle.lister("services").list()) {
    const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (svc.metadata?.namespace !== ns || !sel || !Object.keys(sel).length) continue;
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) addSet(sel);
  }
  for (const owner of pod.metadata?.ownerReferences ?? []) {
    const resource =
      owner.kind === "ReplicaSet"
        ? "replicasets"
        : owner.kind === "StatefulSet"
          ? "statefulsets"
          : owner.kind === "ReplicationController"
            ? "replicationcontrollers"
            : undefined;
    if (!resource) continue;
    const obj = handle.lister(resource).get(ns, owner.name);
    const sel = (obj?.spec as { selector?: unknown } | undefined)?.selector;
    if (!sel) continue;
    if (owner.kind === "ReplicationController") addSet(sel as Record<string, string>);
    else {
      const r = labelSelectorFromObject(sel as LabelSelectorObject);
      if (r.ok) reqs.push(...r.selector.requirements);
    }
  }
  return reqs.length ? LabelSelector.of(reqs) : undefined;
}
