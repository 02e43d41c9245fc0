/**
 * What the PV controller, the provisioner and the scheduler's VolumeBinding
 * plugin share about volumes and claims (upstream's storage helpers in
 * component-helpers/storage/volume): the binding annotations, when a claim
 * waits for its first consumer, and which volume a claim may take.
 */
import type { KObject } from "../../api/types.ts";
import { parseQuantity } from "../../api/quantity.ts";
import { selectorMatches } from "../../api/validation/object-meta.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { isConflict, isNotFound } from "../../client/api-error.ts";

/** Set on a claim once the controller has finished binding it. */
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
/** Set on a volume (and claim) the controller, not the user, bound. */
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
/** The node the scheduler chose for a WaitForFirstConsumer claim (its PreBind). */
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
/** The provisioner asked to provision a claim (set by the PV controller). */
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
/** On a provisioned volume: the provisioner that made it (and must delete it). */
export const ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by";
/** A class whose volumes are all made by hand (local volumes). */
export const NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner";

export const storageClassesRef: ResourceRef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "storageclasses",
  namespaced: false,
};

export interface ClaimRef {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

/**
 * Runs a volume controller's work-queue key: "pv/<name>" or
 * "pvc/<namespace>/<name>". A conflict or a vanished object ends the sync
 * quietly: the cache was stale, and the informer's next event brings the
 * key back.
 */
export async function syncVolumeKey(
  key: string,
  volume: (name: string) => Promise<void>,
  claim: (claimKey: string) => Promise<void>,
): Promise<void> {
  try {
    if (key.startsWith("pv/")) await volume(key.slice(3));
    else await claim(key.slice(4));
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return;
    throw err;
  }
}

/** The claimRef that binds a volume to `claim` (pinned to its uid and resourceVersion). */
export function claimRefOf(claim: KObject): ClaimRef {
  return {
    kind: "PersistentVolumeClaim",
    apiVersion: "v1",
    namespace: claim.metadata?.namespace,
    name: claim.metadata?.name,
    uid: claim.metadata?.uid,
    resourceVersion: claim.metadata?.resourceVersion,
  };
}

export type PV = KObject & {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    storageClassName?: string;
    volumeMode?: string;
    claimRef?: ClaimRef;
    persistentVolumeReclaimPolicy?: string;
    hostPath?: { path: string; type?: string };
    local?: { path: string };
    nodeAffinity?: { required?: { nodeSelectorTerms: unknown[] } };
  };
  status?: { phase?: string; message?: string };
};

export type PVC = KObject & {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
    storageClassName?: string | null;
    volumeMode?: string;
    volumeName?: string;
    selector?: Record<string, unknown>;
  };
  status?: { phase?: string };
};

export type StorageClass = KObject & {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
};

/** Bytes of a storage quantity (0 when absent or malformed). */
export function storageOf(q: string | undefined): number {
  const parsed = q ? parseQuantity(q) : undefined;
  return parsed?.ok ? Number(parsed.quantity.value()) : 0;
}

/** The claim's requested class ("" when none). */
export const claimClass = (c: PVC): string => c.spec?.storageClassName ?? "";

/** Whether the volume's claimRef names this claim (a uid, when set, must match). */
export function isVolumeBoundToClaim(pv: PV, claim: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  return (
    ref.name === claim.metadata?.name &&
    ref.namespace === claim.metadata?.namespace &&
    (!ref.uid || ref.uid === claim.metadata?.uid)
  );
}

/** Whether the claim is bound for good: volumeName set and binding completed (upstream's isPVCFullyBound). */
export const isClaimFullyBound = (c: PVC): boolean =>
  !!c.spec?.volumeName && !!c.metadata?.annotations?.[ANN_BIND_COMPLETED];

/**
 * Whether binding waits for a pod (the class's volumeBindingMode is
 * WaitForFirstConsumer). No class, or a class not found: Immediate.
 */
export function isDelayBindingMode(
  claim: PVC,
  getClass: (name: string) => StorageClass | undefined,
): boolean {
  const name = claimClass(claim);
  if (!name) return false;
  return getClass(name)?.volumeBindingMode === "WaitForFirstConsumer";
}

/** Whether the scheduler has chosen a node to provision a delayed claim on. */
export const isDelayBindingProvisioning = (c: PVC): boolean =>
  !!c.metadata?.annotations?.[ANN_SELECTED_NODE];

/** Whether the volume offers every access mode the claim asks for. */
export function checkAccessModes(claim: PVC, pv: PV): boolean {
  const modes = new Set(pv.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => modes.has(m));
}

/** Whether `pv` can serve `claim` (ignoring its phase and claimRef). */
export function volumeFits(pv: PV, claim: PVC): boolean {
  const want = claim.spec ?? {};
  const has = pv.spec ?? {};
  if ((has.storageClassName ?? "") !== claimClass(claim)) return false;
  if ((has.volumeMode ?? "Filesystem") !== (want.volumeMode ?? "Filesystem")) return false;
  if (!checkAccessModes(claim, pv)) return false;
  if (storageOf(has.capacity?.storage) < storageOf(want.resources?.requests?.storage)) return false;
  if (want.selector && !selectorMatches(want.selector, pv.metadata?.labels)) return false;
  return true;
}

export interface MatchOptions {
  /**
   * The scheduler's path: whether a volume's node affinity admits the node
   * being considered. Absent on the PV controller's path.
   */
  nodeMatches?: (pv: PV) => boolean;
  /** The claim's class waits for its first consumer. */
  delayBinding?: boolean;
  /** Volumes already taken in this decision (by name). */
  excluded?: ReadonlySet<string>;
}

/**
 * The volume for an unbound claim, as upstream's FindMatchingVolume: one
 * already reserved for it (claimRef) wins outright (none at all when its node
 * affinity rejects the node); otherwise the smallest Available, unreserved
 * volume that fits. On the controller's path a delayed claim only takes a
 * reserved volume: the scheduler chooses the rest, knowing the node.
 */
export function findMatchingVolume(
  pvs: Iterable<PV>,
  claim: PVC,
  opts: MatchOptions = {},
): PV | undefined {
  const want = storageOf(claim.spec?.resources?.requests?.storage);
  let best: PV | undefined;
  for (const pv of pvs) {
    const name = pv.metadata?.name ?? "";
    if (opts.excluded?.has(name) || pv.metadata?.deletionTimestamp) continue;
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    const size = storageOf(pv.spec?.capacity?.storage);
    if (size < want) continue;
    if ((pv.spec?.volumeMode ?? "Filesystem") !== (claim.spec?.volumeMode ?? "Filesystem"))
      continue;
    const nodeOk = opts.nodeMatches ? opts.nodeMatches(pv) : true;
    if (isVolumeBoundToClaim(pv, claim)) return nodeOk ? pv : undefined;
    if (!opts.nodeMatches && opts.delayBinding) continue;
    if (!volumeFits(pv, claim) || !nodeOk) continue;
    if ((pv.status?.phase ?? "Available") !== "Available") continue;
    if (!best || size < storageOf(best.spec?.capacity?.storage)) best = pv;
  }
  return best;
}
