/**
 * The scheduling algorithm of one cycle (upstream schedulePod): PreFilter,
 * then Filter over the nodes in a rotating order until enough feasible nodes
 * are found (percentageOfNodesToScore), then PreScore/Score over those and
 * pick the best (ties at random). Synchronous: the cluster view cannot change
 * while it runs. A pod that fits nowhere yields a FitError value.
 */
import type { CycleState } from "./framework/cycle-state.ts";
import type { Framework } from "./framework/framework.ts";
import type { SharedLister } from "./framework/interfaces.ts";
import type { NodeInfo } from "./framework/node-info.ts";
import type { PodInfo } from "./framework/pod-info.ts";
import { fitErrorMessage } from "./framework/fit-error.ts";
import { Code, type Status } from "./framework/status.ts";

export const minFeasibleNodesToFind = 100;
export const minFeasibleNodesPercentageToFind = 5;
export const ErrNoNodesAvailable = "no nodes available to schedule pods";

/** How many feasible nodes to find before scoring (upstream numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - Math.trunc(numAllNodes / 125);
    if (adaptive < minFeasibleNodesPercentageToFind) adaptive = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * adaptive) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

export interface Diagnosis {
  nodeStatuses: Map<string, Status>;
  unschedulablePlugins: Set<string>;
  preFilterMsg?: string;
}

export type ScheduleResult =
  | { ok: true; host: string; evaluatedNodes: number; feasibleNodes: number }
  | { ok: false; kind: "fit"; numAllNodes: number; diagnosis: Diagnosis }
  | { ok: false; kind: "error"; message: string; noNodes?: boolean };

export function fitErrorOf(
  r: { numAllNodes: number; diagnosis: Diagnosis },
  postFilterMsg?: string,
): string {
  return fitErrorMessage(r.numAllNodes, r.diagnosis.nodeStatuses, {
    preFilterMsg: r.diagnosis.preFilterMsg,
    postFilterMsg,
  });
}

export class GenericScheduler {
  /** Where the next cycle's filtering starts (rotates over the node list). */
  private nextStartNodeIndex = 0;
  /** Cordoned nodes among the last cycle's warmed ones (keeps warm()'s loads from being dropped). */
  warmedCordoned = 0;

  constructor(private readonly rand: () => number = Math.random) {}

  schedulePod(
    fw: Framework,
    snapshot: SharedLister,
    state: CycleState,
    pod: PodInfo,
  ): ScheduleResult {
    const nodes = snapshot.nodeInfoList();
    if (nodes.length === 0)
      return { ok: false, kind: "error", message: ErrNoNodesAvailable, noNodes: true };
    const diagnosis: Diagnosis = { nodeStatuses: new Map(), unschedulablePlugins: new Set() };
    const pre = fw.runPreFilterPlugins(state, pod, nodes);
    if (pre) {
      if (pre.code === Code.Error) return { ok: false, kind: "error", message: pre.message() };
      for (const n of nodes) diagnosis.nodeStatuses.set(n.name, pre);
      diagnosis.unschedulablePlugins.add(pre.plugin);
      diagnosis.preFilterMsg = pre.message();
      return { ok: false, kind: "fit", numAllNodes: nodes.length, diagnosis };
    }
    const want = numFeasibleNodesToFind(fw.percentageOfNodesToScore, nodes.length);
    // Sized for the common case (want nodes found) and trimmed after: grown
    // push by push it was copied about ten times per cycle (≈12 KB of garbage
    // per pod at 5,000 nodes for a 4 KB list).
    const feasible = new Array<NodeInfo>(want);
    let found = 0;
    // Rejections are kept as two parallel lists and turned into the
    // diagnosis's map only when no node fits (the map is read only then):
    // thousands of nodes may be rejected per pod on a successful cycle.
    const rejected: NodeInfo[] = [];
    const statuses: Status[] = [];
    const fitError = () => {
      for (let i = 0; i < rejected.length; i++) {
        const s = statuses[i]!;
        diagnosis.nodeStatuses.set(rejected[i]!.name, s);
        diagnosis.unschedulablePlugins.add(s.plugin);
      }
      return { ok: false as const, kind: "fit" as const, numAllNodes: nodes.length, diagnosis };
    };
    // A nominated node (from an earlier preemption) is tried first.
    const nominated = pod.pod.status?.nominatedNodeName;
    const nominatedNode = nominated ? snapshot.get(nominated) : undefined;
    if (nominatedNode) {
      const s = fw.runFilterPlugins(state, pod, nominatedNode);
      if (!s) return { ok: true, host: nominatedNode.name, evaluatedNodes: 1, feasibleNodes: 1 };
      if (s.code === Code.Error) return { ok: false, kind: "error", message: s.message() };
      rejected.push(nominatedNode);
      statuses.push(s);
    }
    const start = this.nextStartNodeIndex % nodes.length;
    this.warm(nodes, start, want);
    let processed = 0;
    for (let i = start; processed < nodes.length && found < want; processed++) {
      const node = nodes[i]!;
      if (++i === nodes.length) i = 0;
      if (node === nominatedNode) continue;
      const s = fw.runFilterPlugins(state, pod, node);
      if (!s) feasible[found++] = node;
      else if (s.code === Code.Error) return { ok: false, kind: "error", message: s.message() };
      else {
        rejected.push(node);
        statuses.push(s);
      }
    }
    this.nextStartNodeIndex = (start + processed) % nodes.length;
    if (found === 0) return fitError();
    if (found < want) feasible.length = found;
    const evaluatedNodes = processed;
    if (feasible.length === 1)
      return { ok: true, host: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1 };
    const ps = fw.runPreScorePlugins(state, pod, feasible);
    if (ps && ps.code !== Code.Success) return { ok: false, kind: "error", message: ps.message() };
    const totals = fw.runScorePlugins(state, pod, feasible);
    return {
      ok: true,
      host: feasible[this.selectHost(totals, feasible.length)]!.name,
      evaluatedNodes,
      feasibleNodes: feasible.length,
    };
  }

  /**
   * Reads one field of each of the `count` nodes from `start` on (the ones
   * the filter loop will most likely visit) in a tight loop. The cycle
   * visits hundreds of NodeInfos that were last read several cycles ago:
   * each first read is a cache miss (measured: one load in the first filter
   * plugin held ≈7% of the scheduler's CPU at 5,000 nodes). Here the
   * misses are independent and the CPU overlaps them; inside the filter
   * loop, each waits behind a whole plugin chain.
   */
  private warm(nodes: readonly NodeInfo[], start: number, count: number): void {
    const n = Math.min(count, nodes.length);
    let cordoned = 0;
    for (let k = 0, i = start; k < n; k++) {
      if (nodes[i]!.unschedulable) cordoned++;
      if (++i === nodes.length) i = 0;
    }
    this.warmedCordoned = cordoned;
  }

  /**
   * Index of the highest score; ties are broken uniformly at random, as
   * upstream's reservoir sampling, but with one random draw: the ties are
   * counted, then the drawn one is found (nodes often all tie, and a draw per
   * tie cost hundreds of calls and boxed numbers per pod). Only the first
   * n scores count (runScorePlugins' list is longer when reused).
   */
  selectHost(scores: ArrayLike<number>, n = scores.length): number {
    let max = scores[0]!;
    let ties = 1;
    for (let i = 1; i < n; i++) {
      const s = scores[i]!;
      if (s > max) {
        max = s;
        ties = 1;
      } else if (s === max) ties++;
    }
    // The k-th tie from the end (a draw of 0 picks the last, as the reservoir's would).
    let k = ties - 1 - Math.min(ties - 1, Math.floor(this.rand() * ties));
    for (let i = 0; i < n; i++) if (scores[i] === max && k-- === 0) return i;
    return 0;
  }
}
