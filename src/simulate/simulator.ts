/**
 * Hollow nodes in one process (issue 11). Each node runs the kubelet's pod
 * workers, status reporter and lease against the simulated runtime, but the
 * process holds one shared pod informer (field selector spec.nodeName!=) for
 * all of them instead of one watch per node, one status manager, one
 * ConfigMap/Secret cache, one node informer (each node's status check reads
 * its Node there, as upstream's kubelet reads its node lister, instead of a
 * GET per node every 10 s), and one heartbeat timer per node with the renewals
 * spread evenly over the period (and kept spread by upstream's 4% jitter).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Node, Pod, Taint } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../api/types.ts";
import { realClock, type Clock } from "../client/clock.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { InformerFactory } from "../client/informer/informer-factory.ts";
import type { RestClient } from "../client/rest-client.ts";
import { nodesRef, podsRef } from "../client/resources.ts";
import { apiObjectSource } from "../kubelet/object-source.ts";
import { Backoff } from "../kubelet/pod/backoff.ts";
import { StatusManager } from "../kubelet/status-manager.ts";
import { createLogger, type Logger } from "../util/logger.ts";
import { StringInterner } from "../util/string-intern.ts";
import { logSteps, StepTimer } from "../util/step-timer.ts";
import { Heartbeats } from "./heartbeats.ts";
import { HollowNode, type HollowShared } from "./hollow-node.ts";
import type { SimulationProfile } from "./profile.ts";
import { sharedObjectSource } from "./shared-object-source.ts";
import { hollowServingCert } from "./stats-server.ts";

export interface SimulatorOptions {
  client: RestClient;
  /** Number of nodes. */
  nodes: number;
  profile: SimulationProfile;
  /** Node names are `<prefix><index>` (default "hollow-node-"). */
  namePrefix?: string;
  /** Taints every node registers with. */
  taints?: Taint[];
  /** Extra labels on every node. */
  labels?: Record<string, string>;
  /** Scratch space for pod directories (removed on stop). */
  dataDir: string;
  clock?: Clock;
  /** Lease renewal period (default 10 s, upstream). */
  leaseRenewMs?: number;
  /** Node status check period (default 10 s, upstream). */
  statusCheckMs?: number;
  /** Nodes registering at once (default 16). */
  registerConcurrency?: number;
  /** Container GC period of every node (default 1 min, upstream). */
  containerGCPeriodMs?: number;
  /** Serve /stats/summary per node for metrics.k8s.io (default true). */
  serveStats?: boolean;
  /** Called after each node registered, with the heartbeat runs then waiting (tests). */
  onRegistered?(done: number, total: number, heartbeatsWaiting: number): void;
  /** Uniform in [0, 1) for the heartbeat jitter (default Math.random). */
  random?: () => number;
  log?: Logger;
}

export interface SimulatorStats {
  nodes: number;
  /** Pods the nodes are running or stopping. */
  pods: number;
  leaseRenewals: number;
  heartbeatErrors: number;
}

/** A fixed token for projected service-account volumes (hollow pods never call the API). */
const simulatedToken = async () => "simulated-service-account-token";

export class Simulator {
  private readonly byName = new Map<string, HollowNode>();
  private readonly heartbeats: Heartbeats;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly statusManager: StatusManager;
  private readonly factory: InformerFactory;
  private readonly clock: Clock;
  private readonly log: Logger;
  private stopped = false;
  private synced = false;
  private heartbeatErrors = 0;

  private constructor(private readonly opts: SimulatorOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? createLogger("simulate");
    this.heartbeats = new Heartbeats(this.clock, {
      random: opts.random,
      onError: (err) => {
        this.heartbeatErrors++;
        this.log.warn("node heartbeat failed", { err });
      },
    });
    this.statusManager = new StatusManager(opts.client, { clock: this.clock, log: this.log });
    this.factory = new InformerFactory(opts.client, {
      clock: this.clock,
      onError: (err) => this.log.warn("pod watch failed", { err }),
    });
  }

  /** Registers every node, then starts heartbeats and the shared pod informer. */
  static async start(opts: SimulatorOptions): Promise<Simulator> {
    const sim = new Simulator(opts);
    await sim.run();
    return sim;
  }

  private async shared(): Promise<HollowShared> {
    const { client, profile } = this.opts;
    // Started before registration: each node finds its Node there by its first status check.
    const nodes = this.factory.informerFor<Node & KObject>(nodesRef);
    this.factory.start();
    const podsDir = join(this.opts.dataDir, "pods");
    const logsDir = join(this.opts.dataDir, "logs");
    mkdirSync(podsDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    const sm = this.statusManager;
    return {
      client,
      clock: this.clock,
      profile,
      podDeps: {
        runtimeName: "simulated",
        clock: this.clock,
        log: this.log,
        crashBackoff: new Backoff(this.clock),
        source: sharedObjectSource(apiObjectSource(client), this.clock),
        tokens: simulatedToken,
        podsDir,
        logsDir,
        cgroupRoot: `/k8ts-simulated-${process.pid}`,
        // Pods exist only in the runtime: no pod, volume or log directories, no cgroups.
        hostless: true,
        setStatus: (pod, status) => sm.setStatus(pod, status),
        finalize: (pod, status) => sm.finalize(pod, status),
      },
      event: (node, pod, type, reason, message) => {
        if (!profile.events) return;
        let r = this.recorders.get(node);
        if (!r) {
          r = new EventRecorder(
            client,
            { component: "kubelet", host: node },
            { clock: this.clock },
          );
          this.recorders.set(node, r);
        }
        r.event(pod as KObject, type, reason, message);
      },
      forget: (uid) => sm.forget(uid),
      serverNode: (name) => nodes.indexer.get(name),
      sourcesReady: () => this.synced,
      imageBackoff: new Backoff(this.clock),
      statsCert: this.opts.serveStats === false ? undefined : await hollowServingCert(),
    };
  }

  private async run(): Promise<void> {
    const o = this.opts;
    const shared = await this.shared();
    const prefix = o.namePrefix ?? "hollow-node-";
    const zones = o.profile.zones;
    const nodes: HollowNode[] = [];
    for (let i = 0; i < o.nodes; i++) {
      const name = `${prefix}${i}`;
      const node = new HollowNode(
        {
          name,
          index: i,
          labels: {
            "topology.kubernetes.io/zone": zones[i % zones.length]!,
            "topology.kubernetes.io/region": "simulated",
            type: "hollow",
            ...(o.labels ?? {}),
          },
          taints: o.taints ?? [],
        },
        shared,
      );
      nodes.push(node);
      this.byName.set(name, node);
    }
    // Each node's heartbeats start as soon as it registered (its lease was just
    // renewed): with thousands of nodes, registration takes longer than the
    // node monitor grace period (40 s), and nodes waiting for the last one would
    // be marked NotReady. Registration order spreads the renewals over the
    // period; upstream's jitter keeps them spread.
    let next = 0;
    let done = 0;
    const registerOne = async (): Promise<void> => {
      while (next < nodes.length && !this.stopped) {
        const i = next++;
        const node = nodes[i]!;
        await node.register();
        this.startHeartbeats(node, i, nodes.length);
        o.onRegistered?.(++done, nodes.length, this.heartbeats.waiting());
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(o.registerConcurrency ?? 16, nodes.length) }, registerOne),
    );

    const informer = this.factory.informerFor<Pod & KObject>(podsRef, {
      fieldSelector: "spec.nodeName!=",
    });
    const nodeOf = (pod: Pod) => this.byName.get(pod.spec?.nodeName ?? "");
    // The cached pod's repeated strings (image, namespace, volume paths,
    // taint keys, timestamps) are shared, as in the server's informers: the
    // cache holds the objects the nodes' workers keep.
    const interner = new StringInterner();
    const arrived = (pod: Pod & KObject) => nodeOf(pod)?.upsert(interner.internValues(pod));
    informer.addEventHandler({
      add: arrived,
      update: (_old, pod) => arrived(pod),
      delete: (pod) => nodeOf(pod)?.remove(pod.metadata?.uid ?? ""),
    });
    // The factory runs already (the node informer): the pod informer starts as it is made.
    await this.factory.waitForCacheSync();
    this.synced = true;
  }

  /**
   * A registered node's periodic work: lease renewals and node status checks
   * a full period after registration, container GC passes spread over the GC
   * period by node index.
   */
  private startHeartbeats(node: HollowNode, index: number, total: number): void {
    const o = this.opts;
    const leaseMs = o.leaseRenewMs ?? 10_000;
    const statusMs = o.statusCheckMs ?? 10_000;
    const gcMs = o.containerGCPeriodMs ?? 60_000;
    this.heartbeats.every(leaseMs, leaseMs, () => node.lease.renew());
    this.heartbeats.every(statusMs, statusMs, () => node.reportStatus());
    this.heartbeats.every(Math.floor((index * gcMs) / total), gcMs, () => node.collectGarbage());
  }

  /** The simulated nodes in index order. */
  nodes(): HollowNode[] {
    return [...this.byName.values()];
  }

  node(name: string): HollowNode | undefined {
    return this.byName.get(name);
  }

  stats(): SimulatorStats {
    let pods = 0;
    let leaseRenewals = 0;
    for (const n of this.byName.values()) {
      pods += n.podCount;
      leaseRenewals += n.lease.renewals;
    }
    return { nodes: this.byName.size, pods, leaseRenewals, heartbeatErrors: this.heartbeatErrors };
  }

  /** Waits until every pod worker is idle and status writes are done (tests). */
  async settled(): Promise<void> {
    for (const n of this.byName.values()) await n.settled();
    await this.statusManager.flush();
  }

  /**
   * Stops heartbeats and the informer, abandons status writes in flight,
   * lets workers finish, removes the scratch space. Nodes stay.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const t = new StepTimer();
    this.heartbeats.stop();
    await this.factory.stop();
    t.lap("informersMs");
    // Status writes not done yet are abandoned, as by a killed kubelet: under load
    // thousands wait in the client (7.4 s of a stop at 8,700 pods, load 20).
    this.statusManager.cancel();
    for (const n of this.byName.values()) await n.settled();
    t.lap("podWorkersMs");
    await this.statusManager.flush();
    t.lap("statusWritesMs");
    await Promise.all([...this.byName.values()].map((n) => n.close()));
    t.lap("statsServersMs");
    await Promise.all([...this.recorders.values()].map((r) => r.flush()));
    t.lap("eventsMs");
    rmSync(this.opts.dataDir, { recursive: true, force: true });
    t.lap("scratchMs");
    logSteps(this.log, "simulator stopped", t);
  }
}
