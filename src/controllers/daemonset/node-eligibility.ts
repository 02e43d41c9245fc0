/**
 * Which nodes a DaemonSet's pod belongs on, as upstream's
 * NodeShouldRunDaemonPod: the pod (its template plus the tolerations every
 * daemon pod gets) must fit the node's name, nodeSelector, required node
 * affinity and NoSchedule/NoExecute taints to be started there; an existing
 * pod keeps running unless an untolerated NoExecute taint (or a changed
 * selector/affinity) says otherwise.
 */
import type { Node, NodeSelector, Taint, Toleration } from "kubernetes-types/core/v1.d.ts";
import { nodeSelectorMatches } from "../../scheduler/plugins/helper/node-selector.ts";
import { findUntoleratedTaint } from "../../scheduler/plugins/helper/taints.ts";

export type PodSpec = {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector } };
  [k: string]: unknown;
};

const exists = (key: string, effect: "NoExecute" | "NoSchedule"): Toleration => ({
  key,
  operator: "Exists",
  effect,
});

/**
 * Adds the tolerations upstream gives every daemon pod (not-ready and
 * unreachable NoExecute without a time limit, the pressure and unschedulable
 * NoSchedule taints, network-unavailable for host-network pods). Idempotent.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const wanted: Toleration[] = [
    exists("node.kubernetes.io/not-ready", "NoExecute"),
    exists("node.kubernetes.io/unreachable", "NoExecute"),
    exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
    exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
    exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
    exists("node.kubernetes.io/unschedulable", "NoSchedule"),
  ];
  if (spec.hostNetwork) wanted.push(exists("node.kubernetes.io/network-unavailable", "NoSchedule"));
  const tolerations = [...(spec.tolerations ?? [])];
  for (const w of wanted) {
    const i = tolerations.findIndex((t) => t.key === w.key && t.effect === w.effect);
    if (i >= 0) tolerations[i] = w;
    else tolerations.push(w);
  }
  spec.tolerations = tolerations;
}

/**
 * Makes the pod schedulable only onto `nodeName`: the required node affinity
 * becomes one term matching field metadata.name, as upstream's
 * ReplaceDaemonSetPodNodeNameNodeAffinity (label expressions are dropped: the
 * controller already checked them).
 */
export function setNodeNameAffinity(spec: PodSpec, nodeName: string): void {
  const affinity = (spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [
      { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] },
    ],
  };
}

/** The node named in a daemon pod's metadata.name affinity (or spec.nodeName). */
export function targetNodeOf(spec: PodSpec | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  const terms =
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1)
        return f.values[0];
    }
  }
  return undefined;
}

export interface NodeDecision {
  /** A daemon pod should be started on the node. */
  shouldRun: boolean;
  /** An existing daemon pod may stay on the node. */
  shouldContinueRunning: boolean;
}

const NO_SCHEDULE_OR_EXECUTE = new Set(["NoSchedule", "NoExecute"]);
const NO_EXECUTE = new Set(["NoExecute"]);

/** Upstream's NodeShouldRunDaemonPod for the template spec (tolerations already added). */
export function nodeShouldRunDaemonPod(node: Node, spec: PodSpec): NodeDecision {
  const name = node.metadata?.name ?? "";
  if (spec.nodeName && spec.nodeName !== name)
    return { shouldRun: false, shouldContinueRunning: false };
  const labels = node.metadata?.labels ?? {};
  const selectorFits = Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinityFits = !required || nodeSelectorMatches(required, node);
  if (!selectorFits || !affinityFits) return { shouldRun: false, shouldContinueRunning: false };
  const taints = (node.spec?.taints ?? []) as Taint[];
  const evicting = findUntoleratedTaint(taints, spec.tolerations, NO_EXECUTE);
  const blocking = findUntoleratedTaint(taints, spec.tolerations, NO_SCHEDULE_OR_EXECUTE);
  return { shouldRun: !blocking, shouldContinueRunning: !evicting };
}
