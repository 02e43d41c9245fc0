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
import type { ExtensionPoint } from "../metrics/metrics.ts";
import type { EventsRecorder } from "../events/event-broadcaster.ts";

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
  /**
   * Receives how long all plugins of an extension point took and the
   * resulting status code's name (scheduler_framework_extension_point_duration_seconds).
   */
  observeExtensionPoint?(point: ExtensionPoint, status: string, seconds: number): void;
  /** The profile's events.k8s.io/v1 recorder (absent in unit tests). */
  eventRecorder?: EventsRecorder;
  client?: RestClient;
  /** Aborts when the scheduler stops (Handle.signal). */
  signal?: AbortSignal;
  snapshot(): SharedLister;
  namespaceLabels(ns: string): Record<string, string> | undefined;
  lister(resource: string): Lister;
}

const tag = (s: MaybeStatus, plugin: string): MaybeStatus => (s ? s.withPlugin(plugin) : s);
const codeName = (s: MaybeStatus): string => Code[s ? s.code : Code.Success] ?? "Error";

export class Framework implements Handle {
  plugins!: ProfilePlugins;
  readonly clock: Clock;
  readonly client?: RestClient;
  readonly eventRecorder?: EventsRecorder;
  readonly signal?: AbortSignal;

  constructor(
    readonly profileName: string,
    private readonly deps: FrameworkDeps,
    /** Fraction (0-100) of feasible nodes to find before scoring; 0 = adaptive. */
    readonly percentageOfNodesToScore = 0,
  ) {
    this.clock = deps.clock;
    this.client = deps.client;
    this.eventRecorder = deps.eventRecorder;
    this.signal = deps.signal;
  }

  private observe(point: ExtensionPoint, status: string, t0: number): void {
    this.deps.observeExtensionPoint?.(point, status, (performance.now() - t0) / 1000);
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
    const t0 = performance.now();
    const s = this.preFilterImpl(state, pod, nodes);
    this.observe("PreFilter", codeName(s), t0);
    return s;
  }

  private preFilterImpl(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
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
        state.activeFilters = undefined;
        continue;
      }
      return tag(s, p.name);
    }
    return null;
  }

  /** Runs the Filter plugins not skipped by PreFilter; the first rejection wins. Hot: once per node. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    // No closure here: one capturing `state` would allocate a context on every call.
    const active = state.activeFilters ?? this.resolveActiveFilters(state);
    for (let i = 0; i < active.length; i++) {
      const p = active[i]!;
      const s = p.filter(state, pod, node);
      if (s && s.code !== Code.Success) return tag(s, p.name);
    }
    return null;
  }

  /** The cycle's Filter plugins minus those PreFilter skipped, kept on the state. */
  private resolveActiveFilters(state: CycleState): readonly FilterPlugin[] {
    const skipped = state.skipFilterPlugins;
    return (state.activeFilters = this.plugins.filter.filter((p) => !skipped.has(p.name)));
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
    const t0 = performance.now();
    const r = await this.postFilterImpl(state, pod, filtered);
    this.observe("PostFilter", codeName(r.status), t0);
    return r;
  }

  private async postFilterImpl(
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
    const t0 = performance.now();
    const s = this.preScoreImpl(state, pod, nodes);
    this.observe("PreScore", codeName(s), t0);
    return s;
  }

  private preScoreImpl(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
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

  /**
   * Weighted sum of every Score plugin's normalized score, per node (same
   * order as nodes): the first nodes.length entries of a list this framework
   * reuses, valid until its next call.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): readonly number[] {
    const t0 = performance.now();
    const totals = this.scoreImpl(state, pod, nodes);
    this.observe("Score", "Success", t0);
    return totals;
  }

  /**
   * The totals of the last cycle, reused: a new list per cycle was two
   * allocations per pod (made of small integers, then copied into a list of
   * doubles at the first fractional weight), ≈8 KB at 500 scored nodes.
   */
  private readonly totals: number[] = [0.5];

  private scoreImpl(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const n = nodes.length;
    const totals = this.totals;
    for (let i = 0; i < n; i++) totals[i] = 0;
    let scores: NodeScore[] | undefined;
    for (const { plugin, weight } of this.plugins.score) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      if (!plugin.normalizeScore) {
        for (let i = 0; i < n; i++) totals[i]! += plugin.score(state, pod, nodes[i]!) * weight;
        continue;
      }
      scores ??= this.scoreList(nodes);
      for (let i = 0; i < n; i++) scores[i]!.score = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScore(state, pod, scores);
      for (let i = 0; i < n; i++) totals[i]! += scores[i]!.score * weight;
    }
    return totals;
  }

  /** NodeScore entries reused by every cycle (normalizeScore rewrites them in place and keeps none). */
  private readonly scorePool: NodeScore[] = [];

  /** The list scoreList hands out, reused (its length is set to each cycle's node count). */
  private readonly scores: NodeScore[] = [];

  /** A list of one NodeScore per node (names set, scores to be written), from the pool. */
  private scoreList(nodes: readonly NodeInfo[]): NodeScore[] {
    const pool = this.scorePool;
    const scores = this.scores;
    if (scores.length !== nodes.length) scores.length = nodes.length;
    for (let i = 0; i < nodes.length; i++) {
      let s = pool[i];
      if (!s) pool.push((s = { name: "", score: 0 }));
      s.name = nodes[i]!.name;
      scores[i] = s;
    }
    return scores;
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    const t0 = performance.now();
    const s = this.reserveImpl(state, pod, nodeName);
    this.observe("Reserve", codeName(s), t0);
    return s;
  }

  private reserveImpl(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.plugins.reserve) {
      const s = p.reserve(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  /** Every Reserve plugin's unreserve, in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    const t0 = performance.now();
    for (const p of [...this.plugins.reserve].reverse()) p.unreserve(state, pod, nodeName);
    this.observe("Unreserve", "Success", t0);
  }

  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    const t0 = performance.now();
    const s = this.permitImpl(state, pod, nodeName);
    this.observe("Permit", codeName(s), t0);
    return s;
  }

  private permitImpl(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.plugins.permit) {
      const s = p.permit(state, pod, nodeName);
      if (s && s.code === Code.Wait)
        return tag(new Status(Code.Unschedulable, ["Permit Wait is not supported"]), p.name);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    const t0 = performance.now();
    const s = await this.preBindImpl(state, pod, nodeName);
    this.observe("PreBind", codeName(s), t0);
    return s;
  }

  private async preBindImpl(
    state: CycleState,
    pod: PodInfo,
    nodeName: string,
  ): Promise<MaybeStatus> {
    for (const p of this.plugins.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s, p.name);
    }
    return null;
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    const t0 = performance.now();
    const s = await this.bindImpl(state, pod, nodeName);
    this.observe("Bind", codeName(s), t0);
    return s;
  }

  private async bindImpl(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.plugins.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s?.code === Code.Skip) continue;
      return tag(s, p.name);
    }
    return new Status(Code.Error, [], new Error("no bind plugin bound the pod"));
  }
}
