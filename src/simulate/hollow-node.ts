/**
 * One simulated node: the kubelet's own pieces (simulated runtime, pod
 * workers, node status reporter, lease) without a watch of its own. The
 * Simulator feeds it the pods bound to it from one shared informer and
 * drives its heartbeats and container GC passes; everything it writes goes
 * through the API. Dead containers are collected as on a real node (upstream
 * container GC: the newest dead instance kept per pod container), so
 * crash-looping pods do not pile up dead containers in memory.
 */
import type { Node, Pod, Taint, Volume } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../client/clock.ts";
import { isAlreadyExists } from "../client/api-error.ts";
import type { RestClient } from "../client/rest-client.ts";
import { nodesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { jsonEqual } from "../util/json-copy.ts";
import { ContainerGC, type PodStateProvider } from "../kubelet/container-gc.ts";
import { ImagePuller } from "../kubelet/images/image-puller.ts";
import type { MachineInfo } from "../kubelet/node/machine-info.ts";
import { initialNode, NodeStatusReporter } from "../kubelet/node/node-status.ts";
import type { Backoff } from "../kubelet/pod/backoff.ts";
import { PodWorker, type PodWorkerDeps } from "../kubelet/pod/pod-worker.ts";
import { HollowRuntime } from "./hollow-runtime.ts";
import { LeaseRenewer } from "./lease-renewer.ts";
import { serveStats } from "./stats-server.ts";
import type { CertKeyPair } from "../pki/self-signed.ts";
import type { SimulationProfile } from "./profile.ts";

/** What every hollow node of one simulator shares. */
export interface HollowShared {
  client: RestClient;
  clock: Clock;
  profile: SimulationProfile;
  /** Pod worker dependencies that do not depend on the node. */
  podDeps: Omit<
    PodWorkerDeps,
    "runtime" | "images" | "hostIP" | "memoryCapacity" | "allocatable" | "done" | "event"
  >;
  /** Records an event for pod (or does nothing when the profile has events off). */
  event(node: string, pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
  /** A pod's worker finished: drop its status bookkeeping. */
  forget(uid: string): void;
  /** True once the shared pod informer has synced (pods unknown to a node may then go). */
  sourcesReady(): boolean;
  /**
   * The Node as the shared node informer has it (undefined: not seen yet, and
   * the status check writes nothing unless due); without it, each status
   * check GETs the Node.
   */
  serverNode?(name: string): Node | undefined;
  imageBackoff: Backoff;
  /** When set, each node serves /stats/summary on its InternalIP with this certificate. */
  statsCert?: CertKeyPair;
}

export interface HollowNodeSpec {
  name: string;
  /** Index in the simulator, used for addresses and CIDRs. */
  index: number;
  labels: Record<string, string>;
  taints: Taint[];
}

/** The node's InternalIP: a distinct loopback address per index. */
export const hollowHostIP = (i: number) => `127.1.${(i >> 8) & 255}.${i & 255}`;
/** The node's pod CIDR: 10.64.0.0/24, 10.64.1.0/24, ... (16,384 nodes fit). */
export const hollowPodPrefix = (i: number) => `10.${64 + (i >> 8)}.${i & 255}`;

/**
 * Volumes that would touch the real host (hostPath, persistentVolumeClaim,
 * memory-backed emptyDir) become plain emptyDirs.
 */
export function hollowPod(pod: Pod): Pod {
  const vols = pod.spec?.volumes;
  const onHost = (v: Volume) =>
    !!v.hostPath || !!v.persistentVolumeClaim || v.emptyDir?.medium === "Memory";
  if (!vols?.some(onHost)) return pod;
  const safe: Volume[] = vols.map((v) => (onHost(v) ? { name: v.name, emptyDir: {} } : v));
  return { ...pod, spec: { ...pod.spec!, volumes: safe } };
}

/**
 * Upstream's podsDifferSemantically: whether an update of a pod is one a
 * kubelet syncs on (spec, labels, annotations, deletion timestamp or grace
 * period changed); status, resourceVersion and managedFields do not count.
 */
export function podsDifferSemantically(a: Pod, b: Pod): boolean {
  const ma = a.metadata ?? {};
  const mb = b.metadata ?? {};
  return !(
    ma.deletionTimestamp === mb.deletionTimestamp &&
    ma.deletionGracePeriodSeconds === mb.deletionGracePeriodSeconds &&
    jsonEqual(ma.labels ?? {}, mb.labels ?? {}) &&
    jsonEqual(ma.annotations ?? {}, mb.annotations ?? {}) &&
    jsonEqual(a.spec, b.spec)
  );
}

export class HollowNode implements PodStateProvider {
  readonly runtime: HollowRuntime;
  /** Dead containers and sandboxes (the simulator runs a pass every GC period). */
  readonly containerGC: ContainerGC;
  readonly lease: LeaseRenewer;
  private reporter?: NodeStatusReporter;
  private stats?: { port: number; close(): Promise<void> };
  private readonly workers = new Map<string, PodWorker>();
  /** Uids of deleted pods whose worker finished, until the informer reports them gone. */
  private readonly terminated = new Set<string>();
  /** Uids reported gone while their worker still ran. */
  private readonly removing = new Set<string>();
  private readonly deps: PodWorkerDeps;
  private readonly machine: MachineInfo;

  constructor(
    readonly spec: HollowNodeSpec,
    private readonly shared: HollowShared,
  ) {
    const p = shared.profile;
    const id = `hollow-${spec.index.toString(16).padStart(8, "0")}`;
    this.machine = {
      cpuCores: p.cpuCores,
      memoryBytes: p.memoryBytes,
      ephemeralStorageBytes: 100 * 2 ** 30,
      machineID: id,
      bootID: id,
      systemUUID: id,
      kernelVersion: "simulated",
      osImage: "k8ts simulated node",
      architecture: "amd64",
    };
    this.runtime = new HollowRuntime({
      clock: shared.clock,
      profile: p,
      ipPrefix: hollowPodPrefix(spec.index),
      podFor: (uid) => this.workers.get(uid)?.current,
      exitsIn: (uid, ms) => shared.clock.after(ms, () => this.workers.get(uid)?.trigger()),
    });
    this.lease = new LeaseRenewer(shared.client, shared.clock, spec.name);
    this.deps = {
      ...shared.podDeps,
      runtime: this.runtime,
      images: new ImagePuller(this.runtime, shared.imageBackoff, {
        pullEnabled: true,
        now: () => shared.clock.now(),
      }),
      hostIP: hollowHostIP(spec.index),
      memoryCapacity: p.memoryBytes,
      allocatable: {
        cpuMilli: p.cpuCores * 1000,
        memory: p.memoryBytes - 100 * 2 ** 20,
        ephemeralStorage: 90 * 2 ** 30,
      },
      event: (pod, type, reason, message) => shared.event(spec.name, pod, type, reason, message),
      done: (uid) => {
        // A worker that finished on its own terminated a deleted pod (see upsert).
        if (!this.removing.delete(uid)) this.terminated.add(uid);
        this.workers.delete(uid);
        shared.forget(uid);
      },
    };
    // Log directories are not collected here: the nodes share one directory, and
    // a pod's worker removes its own when the pod goes.
    this.containerGC = new ContainerGC({
      runtime: this.runtime,
      clock: shared.clock,
      log: shared.podDeps.log,
      podState: this,
      sourcesReady: () => shared.sourcesReady(),
    });
  }

  /** One container GC pass. */
  async collectGarbage(): Promise<void> {
    await this.containerGC.garbageCollect();
  }

  shouldPodContentBeRemoved(uid: string): boolean {
    return !this.workers.has(uid);
  }

  shouldPodRuntimeBeRemoved(uid: string): boolean {
    const phase = this.workers.get(uid)?.current.status?.phase;
    return phase === undefined || phase === "Succeeded" || phase === "Failed";
  }

  get name(): string {
    return this.spec.name;
  }

  /** Pods this node is running or stopping. */
  get podCount(): number {
    return this.workers.size;
  }

  /** The pods with their latest computed status. */
  pods(): Pod[] {
    return [...this.workers.values()].map((w) => w.current);
  }

  /** Starts the stats endpoint (if any), creates the Node (taints, labels, pod CIDR) or adopts it; then status and lease. */
  async register(): Promise<void> {
    if (this.shared.statsCert && !this.stats)
      this.stats = await serveStats(
        {
          name: this.spec.name,
          hostIP: hollowHostIP(this.spec.index),
          runtime: this.runtime,
          memoryBytes: this.machine.memoryBytes,
          pods: () => this.pods(),
        },
        this.shared.statsCert,
        this.shared.clock,
      );
    const o = {
      client: this.shared.client,
      runtime: this.runtime,
      clock: this.shared.clock,
      nodeName: this.spec.name,
      hostIP: hollowHostIP(this.spec.index),
      machine: this.machine,
      podCIDR: `${hollowPodPrefix(this.spec.index)}.0/24`,
      labels: this.spec.labels,
      kubeletPort: this.stats?.port,
      serverNode: this.shared.serverNode && (async () => this.shared.serverNode!(this.spec.name)),
    };
    this.reporter = new NodeStatusReporter(o);
    const node: Node = initialNode(o);
    if (this.spec.taints.length) node.spec = { ...node.spec, taints: this.spec.taints };
    let created: KObject;
    try {
      created = await this.shared.client.create(nodesRef, undefined, node as KObject);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      created = await this.shared.client.patch(nodesRef, undefined, this.spec.name, "merge", {
        metadata: { labels: node.metadata!.labels },
        spec: { taints: this.spec.taints.length ? this.spec.taints : null },
      });
    }
    await this.reporter.report(true);
    const uid = created.metadata?.uid;
    await (uid ? this.lease.create(uid) : this.lease.renew());
  }

  /** Writes the node status if it changed (or 5 minutes passed); false before registration. */
  async reportStatus(): Promise<boolean> {
    return this.reporter ? this.reporter.report() : false;
  }

  /** Stops the stats endpoint. */
  async close(): Promise<void> {
    await this.stats?.close();
    this.stats = undefined;
  }

  /**
   * A pod bound to this node was added or changed. As upstream's pod config
   * (checkAndUpdatePod), an update that changes nothing but the status (the
   * echo of the node's own status writes, mostly) does not sync the pod (its
   * worker keeps the newer object, so no older copy stays alive). A
   * deleted pod whose worker finished gets no new worker until it is gone
   * (as the kubelet's PodWorkers): the echo of its final status write would
   * start a worker that terminates it again.
   */
  upsert(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.terminated.has(uid)) return;
    const safe = hollowPod(pod);
    const w = this.workers.get(uid);
    if (w) {
      if (podsDifferSemantically(w.current, safe)) w.update(safe);
      else w.adopt(safe);
    } else {
      const nw = new PodWorker(safe, this.deps);
      this.workers.set(uid, nw);
      nw.trigger();
    }
  }

  /** The pod is gone from the API. */
  remove(uid: string): void {
    this.terminated.delete(uid);
    const w = this.workers.get(uid);
    if (!w) return;
    this.removing.add(uid);
    w.remove();
  }

  /** Waits until every pod worker is idle. */
  async settled(): Promise<void> {
    for (const w of [...this.workers.values()]) await w.settled();
  }
}
