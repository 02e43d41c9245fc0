/**
 * The scheduling framework's extension points, one narrow interface each, as
 * upstream pkg/scheduler/framework/interface.go. A plugin implements only the
 * points it needs (`satisfies FilterPlugin`). Contracts:
 * - PreFilter, Filter, PreScore, Score, NormalizeScore and Reserve run inside
 *   the scheduling cycle, which is synchronous: the snapshot cannot change
 *   under them. They must not mutate the pod, node or NodeInfo they are given.
 * - Filter and Score must be idempotent and may be called for any subset of
 *   nodes, in any order.
 * - PostFilter, PreBind and Bind may do I/O and are awaited.
 */
import type { KObject } from "../../api/types.ts";
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { EventsRecorder } from "../events/event-broadcaster.ts";
import type { CycleState } from "./cycle-state.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import type { MaybeStatus, Status } from "./status.ts";

/** Highest score a Score plugin may give (after normalization). */
export const maxNodeScore = 100;

export interface Plugin {
  readonly name: string;
}

/** Orders the active queue: true when a should be scheduled before b. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreFilterExtensions {
  /** Updates state as if podToAdd were on node (preemption what-ifs). */
  addPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): MaybeStatus;
  /** Updates state as if podToRemove were gone from node. */
  removePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): MaybeStatus;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes per-cycle data; Skip means this plugin's Filter is not needed for the pod. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
  preFilterExtensions?(): PreFilterExtensions | null;
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits on the node: null (Success), Unschedulable(AndUnresolvable) or Error. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus;
}

export interface PostFilterResult {
  status: MaybeStatus;
  nominatedNodeName?: string;
  /** How many pods the PostFilter evicts for the nominated node (preemption victims). */
  victims?: number;
}

export interface PostFilterPlugin extends Plugin {
  /** Runs when no node fits; may make room (preemption). */
  postFilter(
    state: CycleState,
    pod: PodInfo,
    filteredNodeStatus: ReadonlyMap<string, Status>,
  ): Promise<PostFilterResult>;
}

export interface PreScorePlugin extends Plugin {
  /** Prepares scoring over the feasible nodes; Skip means Score is not needed. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for the node (any range if normalizeScore maps it into 0..maxNodeScore). */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites scores in place into 0..maxNodeScore (the entries are reused by the next cycle: keep none). */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  /** Must be idempotent and must not fail. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Success or a rejection; Wait is not supported and counts as a rejection. */
  permit(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface BindPlugin extends Plugin {
  /** Skip passes the pod to the next binder. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

/** Cluster changes that may make a rejected pod schedulable. */
export type ClusterEventResource =
  "Pod" | "Node" | "PersistentVolumeClaim" | "PersistentVolume" | "StorageClass" | "Namespace";

export type ActionType = "Add" | "Update" | "Delete";

export interface ClusterEvent {
  resource: ClusterEventResource;
  actions: readonly ActionType[];
}

export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): readonly ClusterEvent[];
}

/** A pod in the scheduling queue. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod entered the queue (ms). */
  timestamp: number;
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** Plugins whose rejection preemption could not resolve. */
  pendingPlugins: Set<string>;
}

/** Read-only listing of a resource the scheduler watches. */
export interface Lister<T extends KObject = KObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(): T[];
}

/** The cluster view a scheduling cycle reads. */
export interface SharedLister {
  nodeInfoList(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /** On how many nodes an image is present (ImageLocality). */
  imageNumNodes(image: string): number;
  /** Sequence number of the latest change to any NodeInfo (node or pods). */
  changeSeq(): number;
  /**
   * NodeInfos changed after `seq` (a NodeInfo may repeat; one whose `node`
   * is unset is no longer listed), or undefined when the journal no longer
   * reaches back to `seq` and the caller must start over from nodeInfoList().
   */
  changedSince(seq: number): readonly NodeInfo[] | undefined;
}

/** What plugins see of the scheduler (never the scheduler itself). */
export interface Handle {
  readonly clock: Clock;
  /** Absent in unit tests that do no I/O. */
  readonly client?: RestClient;
  /** The profile's event recorder (events.k8s.io/v1); absent in unit tests. */
  readonly eventRecorder?: EventsRecorder;
  /** Aborts when the scheduler stops: plugins waiting on the API (PreBind) give up. */
  readonly signal?: AbortSignal;
  snapshot(): SharedLister;
  /** Labels of a namespace (namespaceSelector terms); undefined when unknown. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  lister(resource: string): Lister;
  /** Runs every Filter plugin of the profile for a what-if (preemption). */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus;
  runPreFilterExtensionAddPod(
    state: CycleState,
    pod: PodInfo,
    toAdd: PodInfo,
    node: NodeInfo,
  ): MaybeStatus;
  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: PodInfo,
    toRemove: PodInfo,
    node: NodeInfo,
  ): MaybeStatus;
}

/** Builds a plugin from its args (from the config file, already defaulted) and the handle. */
export type PluginFactory = (args: Record<string, unknown>, handle: Handle) => Plugin;
