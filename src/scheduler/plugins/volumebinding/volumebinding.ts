/**
 * VolumeBinding, as upstream's plugin over its SchedulerVolumeBinder:
 * - PreFilter: the pod's claims must exist (and not be terminating or Lost);
 *   unbound claims of Immediate classes make the pod unschedulable ("pod has
 *   unbound immediate PersistentVolumeClaims") until the PV controller binds
 *   them.
 * - Filter: bound volumes' node affinity must admit the node; each unbound
 *   WaitForFirstConsumer claim must find an Available volume usable there or
 *   have a class whose provisioner can provision there.
 * - Reserve/Unreserve: the chosen volumes are held for the pod, so pods
 *   scheduled meanwhile do not pick them too.
 * - PreBind: static choices are written to the volumes (claimRef), claims to
 *   provision get volume.kubernetes.io/selected-node; then it waits until the
 *   PV controller (and provisioner) have bound every claim, up to
 *   bindTimeoutSeconds (VolumeBindingArgs, default 600).
 * Not here: storage capacity (CSIStorageCapacity) and the
 * VolumeCapacityPriority score.
 */
import type { Node } from "kubernetes-types/core/v1.d.ts";
import {
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  claimRefOf,
  isClaimFullyBound,
  type PV,
  type PVC,
} from "../../../controllers/volume/volume-util.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PreBindPlugin,
  PreFilterPlugin,
  ReservePlugin,
} from "../../framework/interfaces.ts";
import type { CycleState } from "../../framework/cycle-state.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { asStatus, skip, unresolvable } from "../../framework/status.ts";
import {
  claimKey,
  findPodVolumes,
  getPodVolumeClaims,
  podClaimNames,
  volumeNodeMatches,
  type PodVolumeClaims,
  type PodVolumes,
  type VolumeListers,
} from "./pod-volumes.ts";

export {
  ErrReasonBindConflict,
  ErrReasonNodeConflict,
  ErrReasonPVNotExist,
} from "./pod-volumes.ts";

export const Name = "VolumeBinding";
export const ErrReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
const stateKey = "PreFilter" + Name;
const persistentVolumesRef = {
  group: "",
  version: "v1",
  resource: "persistentvolumes",
  namespaced: false,
};
const claimsRef = {
  group: "",
  version: "v1",
  resource: "persistentvolumeclaims",
  namespaced: true,
};

/** How often PreBind looks at the informer caches for the binding to finish. */
const bindPollMs = 100;

interface VolumeBindingState {
  claims: PodVolumeClaims;
  allBound: boolean;
  /** Filter's choice per node name. */
  byNode: Map<string, PodVolumes>;
}

/** A binding that will not finish (upstream's checkBindings errors). */
class BindingError extends Error {}

export function newVolumeBinding(
  args: { bindTimeoutSeconds?: unknown },
  handle: Handle,
): PreFilterPlugin & FilterPlugin & ReservePlugin & PreBindPlugin & EnqueueExtensions {
  const listers: VolumeListers = {
    claims: handle.lister("persistentvolumeclaims"),
    volumes: handle.lister("persistentvolumes"),
    classes: handle.lister("storageclasses"),
  };
  const bindTimeoutMs =
    (typeof args.bindTimeoutSeconds === "number" ? args.bindTimeoutSeconds : 600) * 1000;
  // Volumes chosen for a claim by a pod between Reserve and the end of its PreBind.
  const assumedVolumes = new Map<string, string>();
  const reservedByPod = new Map<string, PodVolumes>();
  // Shutdown, when the framework offers it: waits in PreBind end early.
  const signal = handle.signal;

  const release = (podKey: string) => {
    const chosen = reservedByPod.get(podKey);
    reservedByPod.delete(podKey);
    for (const { pv } of chosen?.staticBindings ?? [])
      assumedVolumes.delete(pv.metadata?.name ?? "");
  };

  /** Whether the cache holds an object at least as new as resourceVersion `rv`. */
  const caughtUp = (obj: PVC, rv: string | undefined): boolean => {
    const have = obj.metadata?.resourceVersion;
    if (!rv || !/^\d+$/.test(rv)) return true;
    return !!have && /^\d+$/.test(have) && BigInt(have) >= BigInt(rv);
  };

  /**
   * Whether every claim is bound to a volume usable on the node (true), not
   * yet (false), or never will be (throws). `written` holds the claims'
   * resourceVersions after PreBind's own writes: an older cached claim is
   * not yet evidence of anything.
   */
  const checkBindings = (
    pod: PodInfo,
    chosen: PodVolumes,
    node: string,
    written: ReadonlyMap<string, string>,
  ): boolean => {
    const provisioned = new Set(chosen.dynamicProvisions.map(claimKey));
    for (const name of podClaimNames(pod)) {
      const pvc = listers.claims.get(pod.namespace, name) as PVC | undefined;
      if (!pvc) throw new BindingError(`cannot get PVC "${pod.namespace}/${name}"`);
      if (provisioned.has(claimKey(pvc)) && !pvc.metadata?.annotations?.[ANN_SELECTED_NODE]) {
        if (!caughtUp(pvc, written.get(claimKey(pvc)))) return false;
        throw new BindingError(`selectedNode annotation reset for PVC "${name}"`);
      }
      if (!isClaimFullyBound(pvc)) return false;
      const pv = listers.volumes.get(undefined, pvc.spec?.volumeName ?? "") as PV | undefined;
      if (!pv) return false;
      const n = handle.snapshot().get(node)?.node;
      if (n && !volumeNodeMatches(pv, n))
        throw new BindingError(
          `pv "${pv.metadata?.name}" node affinity doesn't match node "${node}"`,
        );
    }
    return true;
  };

  const waitForBindings = (
    pod: PodInfo,
    chosen: PodVolumes,
    node: string,
    written: ReadonlyMap<string, string>,
  ): Promise<void> =>
    new Promise((resolve, reject) => {
      const deadline = handle.clock.now() + bindTimeoutMs;
      const poll = () => {
        try {
          if (checkBindings(pod, chosen, node, written)) return resolve();
        } catch (err) {
          return reject(err);
        }
        if (signal?.aborted) return reject(new BindingError("scheduler is shutting down"));
        if (handle.clock.now() >= deadline)
          return reject(new BindingError("timed out waiting for the condition"));
        handle.clock.after(bindPollMs, poll);
      };
      poll();
    });

  /**
   * Writes the choices: volumes' claimRefs, then the claims' selected node.
   * Resolves to the written claims' resourceVersions by claim key.
   */
  const bindAPIUpdate = async (chosen: PodVolumes, node: string) => {
    const written = new Map<string, string>();
    const client = handle.client;
    if (!client) throw new Error("no API client");
    for (const { pv, claim } of chosen.staticBindings) {
      const current = (listers.volumes.get(undefined, pv.metadata?.name ?? "") as PV) ?? pv;
      if (current.spec?.claimRef?.uid === claim.metadata?.uid) continue;
      const next = structuredClone(current);
      next.spec = {
        ...next.spec,
        claimRef: claimRefOf(claim),
      };
      next.metadata = {
        ...next.metadata,
        annotations: { ...next.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: "yes" },
      };
      await client.update(persistentVolumesRef, next);
    }
    for (const claim of chosen.dynamicProvisions) {
      if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === node) continue;
      const saved = await client.patch<PVC>(
        claimsRef,
        claim.metadata?.namespace,
        claim.metadata?.name ?? "",
        "merge",
        { metadata: { annotations: { [ANN_SELECTED_NODE]: node } } },
      );
      const rv = saved?.metadata?.resourceVersion;
      if (rv) written.set(claimKey(claim), rv);
    }
    return written;
  };

  return {
    name: Name,
    preFilter(state, pod) {
      const names = podClaimNames(pod);
      if (!names.length) return skip();
      const claims = getPodVolumeClaims(pod, names, listers);
      if (typeof claims === "string") return unresolvable(claims);
      if (claims.immediate.length) return unresolvable(ErrReasonUnboundImmediate);
      state.write<VolumeBindingState>(stateKey, {
        claims,
        allBound: claims.delayed.length === 0,
        byNode: new Map(),
      });
      return null;
    },
    filter(state, _pod, nodeInfo) {
      const s = state.read<VolumeBindingState>(stateKey);
      const node = nodeInfo.node;
      if (!s || !node) return null;
      const { reasons, podVolumes } = findPodVolumes(s.claims, node, listers, assumedVolumes);
      if (reasons.length) return unresolvable(...reasons);
      s.byNode.set(nodeInfo.name, podVolumes);
      return null;
    },
    reserve(state, pod, nodeName) {
      const s = state.read<VolumeBindingState>(stateKey);
      if (!s || s.allBound) return null;
      let chosen = s.byNode.get(nodeName);
      const node = handle.snapshot().get(nodeName)?.node as Node | undefined;
      if (!chosen && node) {
        const found = findPodVolumes(s.claims, node, listers, assumedVolumes);
        if (found.reasons.length) return unresolvable(...found.reasons);
        chosen = found.podVolumes;
      }
      if (!chosen) return null;
      for (const { pv, claim } of chosen.staticBindings)
        assumedVolumes.set(pv.metadata?.name ?? "", claimKey(claim));
      reservedByPod.set(pod.key, chosen);
      return null;
    },
    unreserve(_state, pod) {
      release(pod.key);
    },
    async preBind(state: CycleState, pod: PodInfo, nodeName: string) {
      const s = state.read<VolumeBindingState>(stateKey);
      if (!s || s.allBound) return null;
      const chosen = reservedByPod.get(pod.key) ?? { staticBindings: [], dynamicProvisions: [] };
      try {
        const written = await bindAPIUpdate(chosen, nodeName);
        await waitForBindings(pod, chosen, nodeName, written);
        return null;
      } catch (err) {
        return asStatus(new Error(`binding volumes: ${(err as Error).message}`));
      } finally {
        release(pod.key);
      }
    },
    eventsToRegister: () => [
      { resource: "PersistentVolumeClaim", actions: ["Add", "Update"] },
      { resource: "PersistentVolume", actions: ["Add", "Update"] },
      { resource: "StorageClass", actions: ["Add", "Update"] },
      { resource: "Node", actions: ["Add", "Update"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & ReservePlugin & PreBindPlugin & EnqueueExtensions;
}
