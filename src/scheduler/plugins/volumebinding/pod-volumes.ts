/**
 * The volume decisions of the VolumeBinding plugin, as upstream's
 * SchedulerVolumeBinder (GetPodVolumeClaims, FindPodVolumes): a pod's claims
 * sorted into bound, delayed (WaitForFirstConsumer, unbound) and immediate
 * unbound ones; and, per node, whether its bound volumes' node affinity
 * admits the node and whether each delayed claim can take an Available
 * volume there (static binding) or be provisioned there.
 */
import type { Node, NodeSelector } from "kubernetes-types/core/v1.d.ts";
import {
  claimClass,
  findMatchingVolume,
  isClaimFullyBound,
  isDelayBindingMode,
  NOT_SUPPORTED_PROVISIONER,
  storageOf,
  type PV,
  type PVC,
  type StorageClass,
} from "../../../controllers/volume/volume-util.ts";
import type { Lister } from "../../framework/interfaces.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { nodeSelectorMatches } from "../helper/node-selector.ts";

export const ErrReasonNodeConflict = "node(s) had volume node affinity conflict";
export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrReasonPVNotExist =
  "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

/** The pod's claims, sorted (upstream's PodVolumeClaims). */
export interface PodVolumeClaims {
  bound: PVC[];
  /** Unbound claims of WaitForFirstConsumer classes: chosen per node. */
  delayed: PVC[];
  /** Unbound claims of Immediate classes: the pod waits for the PV controller. */
  immediate: PVC[];
}

/** What binding the pod's delayed claims on one node takes (upstream's PodVolumes). */
export interface PodVolumes {
  staticBindings: { pv: PV; claim: PVC }[];
  dynamicProvisions: PVC[];
}

export interface VolumeListers {
  claims: Lister;
  volumes: Lister;
  classes: Lister;
}

export const claimKey = (c: PVC): string => `${c.metadata?.namespace}/${c.metadata?.name}`;

/** The claim names a pod's volumes use (an ephemeral volume's claim is `<pod>-<volume>`). */
export function podClaimNames(pod: PodInfo): string[] {
  const out: string[] = [];
  for (const v of pod.pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.pod.metadata?.name}-${v.name}`);
  }
  return out;
}

/**
 * The pod's claims, or why the pod cannot be scheduled at all (a missing,
 * terminating or lost claim: upstream's messages).
 */
export function getPodVolumeClaims(
  pod: PodInfo,
  names: string[],
  listers: VolumeListers,
): PodVolumeClaims | string {
  const out: PodVolumeClaims = { bound: [], delayed: [], immediate: [] };
  const getClass = (n: string) => listers.classes.get(undefined, n) as StorageClass | undefined;
  for (const name of names) {
    const pvc = listers.claims.get(pod.namespace, name) as PVC | undefined;
    if (!pvc) return `persistentvolumeclaim "${name}" not found`;
    if (pvc.metadata?.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (pvc.status?.phase === "Lost")
      return `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ""}"`;
    if (isClaimFullyBound(pvc)) out.bound.push(pvc);
    else if (isDelayBindingMode(pvc, getClass)) out.delayed.push(pvc);
    else out.immediate.push(pvc);
  }
  return out;
}

/** Whether a volume's node affinity (if any) admits the node. */
export function volumeNodeMatches(pv: PV, node: Node): boolean {
  const req = pv.spec?.nodeAffinity?.required as NodeSelector | undefined;
  return !req || nodeSelectorMatches(req, node);
}

/** A class's allowedTopologies admit the node (none: every node). */
export function topologyMatches(sc: StorageClass, node: Node): boolean {
  const terms = sc.allowedTopologies ?? [];
  if (terms.length === 0) return true;
  const labels = node.metadata?.labels ?? {};
  return terms.some((t) =>
    (t.matchLabelExpressions ?? []).every((e) => e.values.includes(labels[e.key] ?? "\0")),
  );
}

/**
 * The reasons the node cannot serve the pod's claims (empty: it can), and the
 * bindings it would take. `assumed` names volumes other pods' claims have
 * taken in their Reserve (by volume name → claim key).
 */
export function findPodVolumes(
  claims: PodVolumeClaims,
  node: Node,
  listers: VolumeListers,
  assumed: ReadonlyMap<string, string>,
): { reasons: string[]; podVolumes: PodVolumes } {
  const reasons = new Set<string>();
  const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
  for (const pvc of claims.bound) {
    const pv = listers.volumes.get(undefined, pvc.spec?.volumeName ?? "") as PV | undefined;
    if (!pv) reasons.add(ErrReasonPVNotExist);
    else if (!volumeNodeMatches(pv, node)) reasons.add(ErrReasonNodeConflict);
  }
  if (claims.delayed.length === 0) return { reasons: [...reasons], podVolumes };
  // Smallest requests first, as upstream, so small claims do not take big volumes.
  const delayed = [...claims.delayed].sort(
    (a, b) =>
      storageOf(a.spec?.resources?.requests?.storage) -
      storageOf(b.spec?.resources?.requests?.storage),
  );
  const taken = new Set<string>();
  const pvs = listers.volumes.list() as PV[];
  let satisfied = true;
  for (const claim of delayed) {
    const key = claimKey(claim);
    const excluded = new Set(taken);
    for (const [pvName, owner] of assumed) if (owner !== key) excluded.add(pvName);
    const pv = findMatchingVolume(pvs, claim, {
      delayBinding: true,
      excluded,
      nodeMatches: (v) => volumeNodeMatches(v, node),
    });
    if (pv) {
      taken.add(pv.metadata?.name ?? "");
      podVolumes.staticBindings.push({ pv, claim });
      continue;
    }
    const sc = listers.classes.get(undefined, claimClass(claim)) as StorageClass | undefined;
    const provisioner = sc?.provisioner ?? "";
    if (!sc || !provisioner || provisioner === NOT_SUPPORTED_PROVISIONER) satisfied = false;
    else if (!topologyMatches(sc, node)) satisfied = false;
    else podVolumes.dynamicProvisions.push(claim);
  }
  if (!satisfied) reasons.add(ErrReasonBindConflict);
  return { reasons: [...reasons], podVolumes };
}
