/**
 * One profile's plugins wired into the extension points, and the Handle the
 * plugins see. Runs each point in configured order: PreFilter/Filter stop at
 * the first rejection; Score sums normalized scores times plugin weights.
 */
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { CycleState } from "./cycle-state.ts";
import type {
  BindPlugin,
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  Lister,
  NodeScore,
  PermitPlugin,
  Plugin,
  PostFilterPlugin,
  PostFilterResult,
  PreBindPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  QueueSortPlugin,
  ReservePlugin,
  ScorePlugin,
  SharedLister,
} from "./interfaces.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { asStatus, Code, isSuccess, Status, type MaybeStatus } from "./status.ts";

/** Plugin instances per extension point, in order; score plugins with weights. */
export interface ProfilePlugins {
  queueSort: QueueSortPlugin;
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  postFilter: PostFilterPlugin[];
  preScore: PreScorePlugin[];
  score: { plugin: ScorePlugin; weight: number }[];
  reserve: ReservePlugin[];
  permit: PermitPlugin[];
  preBind: PreBindPlugin[];
  bind: BindPlugin[];
  /** Every instantiated plugin (for cluster-event registration). */
  all: Plugin[];
}

export interface FrameworkDeps {
  clock: Clock;
  client?: RestClient;
  snapshot(): SharedLister;
  namespaceLabels(ns: string): Record<string, string> | undefined;
  lister(resource: string): Lister;
}

const tag = (s: MaybeStatus, plugin: string): MaybeStatus => (s ? s.withPlugin(plugin) : s);

export class Framework implements Handle {
  plugins!: ProfilePlugins;
  readonly clock: Clock;
  readonly client?: RestClient;

  constructor(
    readonly profileName: string,
    private readonly deps: FrameworkDeps,
    /** Fraction (0-100) of feasible nodes to find before scoring; 0 = adaptive. */
    readonly percentageOfNodesToScore = 0,
  ) {
    this.clock = deps.clock;
    this.client = deps.client;
  }

  snapshot(): SharedLister {
    return this.deps.snapshot();
  }

  namespaceLabels(ns: string): Record<string, string> | undefined {
    return this.deps.namespaceLabels(ns);
  }

  lister(resource: string): Lister {
    return this.deps.lister(resource);
  }

  /** Events each plugin registered, by plugin name. */
  clusterEvents(): Map<string, readonly ClusterEvent[]> {
    const out = new Map<string, readonly ClusterEvent[]>();
    for (const p of this.plugins.all) {
      const ee = p as Partial<EnqueueExtensions>;
      if (typeof ee.eventsToRegister === "function") out.set(p.name, ee.eventsToRegister());
    }
    return out;
  }

  runPreFilterPlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    for (const p of this.plugins.preFilter) {
      let s: MaybeStatus;
      try {
        s = p.preFilter(state, pod, nodes);
      } catch (err) {
        s = asStatus(err);
      }
      if (!s) continue;
      if (s.code === Code.Skip) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      return tag(s, p.name);
    }
    return null;
  }

  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    for (const p of this.plugins.filter) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const s = p.filter(state, pod, node);
      if (s && s.code !== Code.Success) return tag(s, p.name);
    }
    return null;
  }

  private runExtension(
    kind: "addPod" | "removePod",
    state: CycleState,
    pod: PodInfo,
    other: PodInfo,
    node: NodeInfo,
  ): MaybeStatus {
    for (const p of this.plugins.preFilter) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (!ext) continue;
      const s = ext[kind](state, pod, other, node);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  runPreFilterExtensionAddPod(
    state: CycleState,
    pod: PodInfo,
    toAdd: PodInfo,
    node: NodeInfo,
  ): MaybeStatus {
    return this.runExtension("addPod", state, pod, toAdd, node);
  }

  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: PodInfo,
    toRemove: PodInfo,
    node: NodeInfo,
  ): MaybeStatus {
    return this.runExtension("removePod", state, pod, toRemove, node);
  }

  /** The first PostFilter returning Success (or a nominated node) wins. */
  async runPostFilterPlugins(
    state: CycleState,
    pod: PodInfo,
    filtered: ReadonlyMap<string, Status>,
  ): Promise<PostFilterResult> {
    const messages: string[] = [];
    for (const p of this.plugins.postFilter) {
      let r: PostFilterResult;
      try {
        r = await p.postFilter(state, pod, filtered);
      } catch (err) {
        r = { status: asStatus(err) };
      }
      if (isSuccess(r.status)) return r;
      if (r.status?.code === Code.Error) return { status: tag(r.status, p.name) };
      if (r.status) messages.push(r.status.message());
    }
    return { status: messages.length ? new Status(Code.Unschedulable, messages) : null };
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    for (const p of this.plugins.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (!s) continue;
      if (s.code === Code.Skip) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      return tag(s, p.name);
    }
    return null;
  }

  /** Weighted sum of every Score plugin's normalized score, per node (same order as nodes). */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    for (const { plugin, weight } of this.plugins.score) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      if (!plugin.normalizeScore) {
        for (let i = 0; i < nodes.length; i++)
          totals[i]! += plugin.score(state, pod, nodes[i]!) * weight;
        continue;
      }
      const scores: NodeScore[] = nodes.map((n) => ({
        name: n.name,
        score: plugin.score(state, pod, n),
      }));
      plugin.normalizeScore(state, pod, scores);
      for (let i = 0; i < scores.length; i++) totals[i]! += scores[i]!.score * weight;
    }
    return totals;
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.plugins.reserve) {
      const s = p.reserve(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  /** Every Reserve plugin's unreserve, in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.plugins.reserve].reverse()) p.unreserve(state, pod, nodeName);
  }

  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.plugins.permit) {
      const s = p.permit(state, pod, nodeName);
      if (s && s.code === Code.Wait)
        return tag(new Status(Code.Unschedulable, ["Permit Wait is not supported"]), p.name);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.plugins.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.plugins.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s?.code === Code.Skip) continue;
      return tag(s, p.name);
    }
    return new Status(Code.Error, [], new Error("no bind plugin bound the pod"));
  }
}
