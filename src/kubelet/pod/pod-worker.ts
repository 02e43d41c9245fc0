/**
 * One worker per pod (upstream podWorkers + SyncPod). Syncs are serialized:
 * a trigger during a sync runs one more sync afterwards. Each sync observes
 * the runtime, then does the next steps: sandbox, init containers one at a
 * time, regular containers (restartPolicy with CrashLoopBackOff, liveness
 * restarts), and hands the computed status to the status manager. A pod
 * being deleted is killed with its grace period and then finalized.
 */
import { rmSync } from "node:fs";
import type { Container, Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { TimerHandle } from "../../client/clock.ts";
import type { ContainerStatus, PodSandboxConfig } from "../runtime/runtime.ts";
import { removeCgroup } from "../cgroups.ts";
import { crashLoopBackOff } from "./backoff.ts";
import type { PodRuntimeFacts } from "./env.ts";
import { killContainer, startContainer, type EventFn } from "./container-runner.ts";
import { computePodStatus, evictedStatus, type Waiting } from "./pod-status.ts";
import { ProbeManager, hasProbe } from "./probe-manager.ts";
import { observePod, withStarted, type PodObserved } from "./observe-pod.ts";
import { computePodActions } from "./pod-actions.ts";
import { killPod, recreateSandbox } from "./pod-sandbox.ts";
import { podLogDir, sandboxConfig } from "./runtime-config.ts";
import { podCgroupParent, podQOS, type QOSClass } from "./qos.ts";
import { refreshTokenVolumes, setUpVolumes, tearDownPodDir } from "./volumes.ts";
import type { PodWorkerDeps } from "./pod-worker-deps.ts";

export type { PodWorkerDeps } from "./pod-worker-deps.ts";

/** How often a worker re-syncs with nothing else happening. */
const resyncMs = 60_000;
const sandboxRetryMs = 5_000;
const allQOSClasses: QOSClass[] = ["Guaranteed", "Burstable", "BestEffort"];

export class PodWorker {
  private pod: Pod;
  private removed = false;
  private syncing = false;
  private pending = false;
  private finished = false;
  private timer?: { at: number; handle: TimerHandle };
  private waiting = new Map<string, Waiting>();
  /** Made when a running container first has a probe (most pods have none). */
  private probes?: ProbeManager;
  private lastStatus: PodStatus = {};
  private sandboxFailedAt = 0;
  private idle?: Promise<void>;
  private evicted?: { message: string; graceSeconds: number; reason?: string };

  /**
   * `runtimeOnly`: the pod is known only from the runtime (an orphan: its
   * API object is gone); its cgroup is looked for under every QoS class.
   */
  constructor(
    pod: Pod,
    private readonly deps: PodWorkerDeps,
    private readonly runtimeOnly = false,
  ) {
    this.pod = pod;
    this.lastStatus = pod.status ?? {};
  }

  private newProbeManager(): ProbeManager {
    return new ProbeManager({
      clock: this.deps.clock,
      runtime: this.deps.runtime,
      onChange: () => this.trigger(),
      onFailure: (_name, kind, res) => {
        const k = kind[0].toUpperCase() + kind.slice(1);
        this.event("Warning", "Unhealthy", `${k} probe failed: ${res.message}`.trim());
      },
    });
  }

  /** The pod as last handed in, with the status last computed. */
  get current(): Pod {
    return { ...this.pod, status: this.lastStatus };
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? "";
  }

  /** Killed by node-pressure eviction and marked Failed/Evicted (upstream IsEvicted). */
  get isEvicted(): boolean {
    return !!this.evicted && this.lastStatus.reason === "Evicted";
  }

  /** A newer version of the pod from the API (or a static manifest). */
  update(pod: Pod): void {
    this.pod = pod;
    this.trigger();
  }

  /**
   * A newer version of the pod that changes nothing the worker syncs on (its
   * status, resourceVersion): kept without a sync, as upstream's
   * checkAndUpdatePod copies such an update into the pod it holds. The
   * worker then holds the informer's current object instead of an older copy.
   */
  adopt(pod: Pod): void {
    this.pod = pod;
  }

  /** The pod is gone from the API: stop everything (grace period from its deletion, else 0). */
  remove(): void {
    this.removed = true;
    this.trigger();
  }

  /**
   * Node-pressure eviction (or, with reason Terminated, node shutdown): kills
   * the containers within graceSeconds and marks the pod Failed/<reason>.
   */
  async evict(message: string, graceSeconds: number, reason = "Evicted"): Promise<void> {
    this.evicted = { message, graceSeconds, reason };
    this.trigger();
    await this.settled();
  }

  /** Requests a sync (coalesced with one in progress). */
  trigger(): void {
    if (this.finished) return;
    if (this.syncing) {
      this.pending = true;
      return;
    }
    this.syncing = true;
    this.idle = this.loop();
  }

  /** Resolves once no sync is running. */
  async settled(): Promise<void> {
    while (this.syncing) await this.idle;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.pending = false;
        try {
          await this.sync();
        } catch (err) {
          this.deps.log.error("pod sync failed", { pod: this.key(), err });
          this.resyncIn(sandboxRetryMs);
        }
      } while (this.pending && !this.finished);
    } finally {
      this.syncing = false;
    }
  }

  private key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  private event: EventFn = (type, reason, message) =>
    this.deps.event(this.pod, type, reason, message);

  private resyncIn(ms: number): void {
    const at = this.deps.clock.now() + ms;
    if (this.timer && this.timer.at <= at) return;
    this.timer?.handle.cancel();
    this.timer = {
      at,
      handle: this.deps.clock.after(ms, () => {
        this.timer = undefined;
        this.trigger();
      }),
    };
  }

  private observe(): Promise<PodObserved> {
    return observePod(this.deps.runtime, this.uid);
  }

  private facts(podIPs: string[]): PodRuntimeFacts {
    return { hostIP: this.deps.hostIP, podIPs, allocatable: this.deps.allocatable };
  }

  private publish(
    obs: PodObserved,
    terminating: boolean,
    decorate: (s: PodStatus) => PodStatus = (s) => s,
  ): PodStatus {
    const computed = computePodStatus(
      this.pod,
      {
        sandboxReady: obs.sandbox?.state === "SANDBOX_READY",
        podIPs: obs.sandbox?.ips ?? [],
        hostIP: this.deps.hostIP,
        containers: obs.containers,
        waiting: this.waiting,
        ready: (id) => this.probes?.ready(id) ?? true,
        started: (id) => this.probes?.started(id) ?? true,
        terminating,
        runtimeName: this.deps.runtimeName,
        now: this.deps.clock.now(),
      },
      this.lastStatus,
    );
    const status = decorate(computed);
    this.lastStatus = status;
    if (!this.removed) this.deps.setStatus(this.pod, status);
    return status;
  }

  private async sync(): Promise<void> {
    if (this.finished) return;
    if (this.removed || this.pod.metadata?.deletionTimestamp) return this.terminate();
    const phase = this.lastStatus.phase;
    if (this.evicted && phase !== "Succeeded" && phase !== "Failed")
      return this.terminate(this.evicted);
    const obs = await this.observe();
    if (phase === "Succeeded" || phase === "Failed") {
      if (obs.sandbox?.state === "SANDBOX_READY")
        await this.deps.runtime.stopPodSandbox(obs.sandbox.id);
      this.probes?.stop();
      return;
    }
    const spec = this.pod.spec!;
    let changed = false;
    // Containers started by this sync; when nothing else changed, only they are re-read.
    const startedIds: string[] = [];
    let otherChange = false;
    let sandbox = obs.sandbox;
    let sbConfig: PodSandboxConfig;
    const attempt = sandbox
      ? sandbox.metadata.attempt + (sandbox.state === "SANDBOX_READY" ? 0 : 1)
      : 0;
    sbConfig = sandboxConfig(this.pod, attempt, {
      logsDir: this.deps.logsDir,
      cgroupRoot: this.deps.cgroupRoot,
      dnsServers: this.deps.dnsServers,
      clusterDomain: this.deps.clusterDomain,
      hostDns: this.deps.hostDns,
    });
    // Volumes are set up while the sandbox starts (they need no pod IP), as upstream mounts them first.
    let volumes: Promise<Map<string, string> | undefined> | undefined;
    if (!sandbox || sandbox.state !== "SANDBOX_READY") {
      if (this.sandboxFailedAt && this.deps.clock.now() - this.sandboxFailedAt < sandboxRetryMs) {
        this.publish(obs, false);
        return this.resyncIn(sandboxRetryMs);
      }
      volumes = this.setUpVolumes([]);
      // A replaced sandbox stops the old containers: re-read everything afterwards.
      if (obs.sandbox || obs.containers.size) otherChange = true;
      const created = await recreateSandbox(this.deps.runtime, {
        pod: this.pod,
        observed: obs,
        config: sbConfig,
        logsDir: this.deps.logsDir,
        event: this.event,
        hostless: this.deps.hostless,
      });
      if (created.error !== undefined) {
        this.sandboxFailedAt = this.deps.clock.now();
        this.publish(obs, false);
        return this.resyncIn(sandboxRetryMs);
      }
      this.sandboxFailedAt = 0;
      sandbox = created.sandbox;
      if (!sandbox) return this.resyncIn(1000);
      obs.sandbox = sandbox;
      changed = true;
    }
    const sandboxId = sandbox.id;
    // Host-network pods have the node's IP (probes, hooks, downward API).
    const podIPs = sandbox.ips.length || !spec.hostNetwork ? sandbox.ips : [this.deps.hostIP];
    const ensureVolumes = () => (volumes ??= this.setUpVolumes(podIPs));

    const start = async (c: Container, isInit: boolean, attemptNo: number): Promise<boolean> => {
      changed = true;
      const vols = await ensureVolumes();
      if (!vols) {
        this.waiting.set(c.name, { reason: "ContainerCreating" });
        this.resyncIn(sandboxRetryMs);
        return false;
      }
      const w = await startContainer(
        {
          runtime: this.deps.runtime,
          images: this.deps.images,
          source: this.deps.source,
          clock: this.deps.clock,
          memoryCapacity: this.deps.memoryCapacity,
          services: this.deps.services,
          hostless: this.deps.hostless,
        },
        {
          pod: this.pod,
          container: c,
          isInit,
          attempt: attemptNo,
          sandboxId,
          sandboxConfig: sbConfig,
          volumes: vols,
          facts: this.facts(podIPs),
          event: this.event,
          started: (id) => startedIds.push(id),
        },
      );
      if (w) {
        this.waiting.set(c.name, w);
        this.resyncIn(w.reason === "ErrImageNeverPull" ? resyncMs : sandboxRetryMs);
        return false;
      }
      this.waiting.delete(c.name);
      return true;
    };
    // Restart with CrashLoopBackOff.
    const restart = async (c: Container, latest: ContainerStatus, isInit: boolean) => {
      const { crashBackoff, clock } = this.deps;
      const held = crashLoopBackOff(
        crashBackoff,
        clock,
        this.pod.metadata!,
        c.name,
        latest.finishedAt,
      );
      if (!held) return void (await start(c, isInit, latest.metadata.attempt + 1));
      this.waiting.set(c.name, held.waiting);
      this.event("Warning", "BackOff", held.event);
      this.resyncIn(held.retryInMs);
    };

    for (const a of computePodActions(spec, obs.containers, (id) => this.probes?.unhealthy(id))) {
      const c = a.container;
      if (a.type === "start") await start(c, a.isInit, 0);
      else if (a.type === "restart") await restart(c, a.latest, a.isInit);
      else if (a.type === "done") this.waiting.delete(c.name);
      else {
        await killContainer(this.deps, {
          containerId: a.latest.id,
          container: c,
          podIP: podIPs[0] ?? "",
          graceSeconds: spec.terminationGracePeriodSeconds ?? 30,
          reason: `Container ${c.name} failed ${a.probe} probe, will be restarted`,
          event: this.event,
        });
        this.pending = true;
        changed = true;
        otherChange = true;
      }
    }
    // Re-read the runtime only when this sync changed something; after starts alone, only the
    // started containers (one round trip instead of two before the status is written).
    const now = !changed
      ? obs
      : otherChange || !startedIds.length
        ? await this.observe()
        : await withStarted(this.deps.runtime, obs, startedIds);
    const running = spec.containers.flatMap((c) => {
      const s = now.containers.get(c.name)?.[0];
      return s?.state === "CONTAINER_RUNNING"
        ? [{ id: s.id, container: c, podIP: podIPs[0] ?? "" }]
        : [];
    });
    if (this.probes || running.some((r) => hasProbe(r.container)))
      (this.probes ??= this.newProbeManager()).sync(running);
    const status = this.publish(now, false);
    if (status.phase === "Succeeded" || status.phase === "Failed") {
      this.probes?.stop();
      await this.deps.runtime.stopPodSandbox(sandboxId);
      return;
    }
    // Rotated service-account tokens (upstream's periodic volume remount); checked every resync.
    await refreshTokenVolumes(this.pod, this.volumeContext(podIPs)).catch((err) =>
      this.deps.log.warn("token volume refresh failed", { pod: this.key(), err }),
    );
    this.resyncIn(resyncMs);
  }

  /** Sets up the pod's volumes; undefined (and a FailedMount event) when that fails. */
  private async setUpVolumes(podIPs: string[]): Promise<Map<string, string> | undefined> {
    try {
      return await setUpVolumes(this.pod, this.volumeContext(podIPs));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.event("Warning", "FailedMount", `MountVolume.SetUp failed: ${msg}`);
      return undefined;
    }
  }

  private volumeContext(podIPs: string[]) {
    return {
      podsDir: this.deps.podsDir,
      source: this.deps.source,
      facts: this.facts(podIPs),
      tokens: this.deps.tokens,
      rootCA: this.deps.rootCA,
      hostless: this.deps.hostless,
    };
  }

  /** Kills the pod: deleted (then finalized and cleaned up) or evicted (then kept, Failed). */
  private async terminate(evicted?: {
    message: string;
    graceSeconds: number;
    reason?: string;
  }): Promise<void> {
    const spec = this.pod.spec!;
    const meta = this.pod.metadata!;
    const grace =
      evicted?.graceSeconds ??
      meta.deletionGracePeriodSeconds ??
      (this.removed ? 0 : (spec.terminationGracePeriodSeconds ?? 30));
    this.probes?.stop();
    this.timer?.handle.cancel();
    await killPod(this.deps, {
      pod: this.pod,
      observed: await this.observe(),
      graceSeconds: grace,
      event: this.event,
    });
    const final = await this.observe();
    if (evicted)
      return void this.publish(final, false, (s) =>
        evictedStatus(s, evicted.message, this.deps.clock.now(), evicted.reason),
      );
    const status = this.publish(final, true);
    if (!this.removed) await this.deps.finalize(this.pod, status);
    for (const sb of final.sandboxes) await this.deps.runtime.removePodSandbox(sb.id);
    if (!this.deps.hostless) {
      await tearDownPodDir(this.deps.podsDir, this.uid);
      rmSync(podLogDir(this.deps.logsDir, this.pod), { recursive: true, force: true });
      const classes = this.runtimeOnly ? allQOSClasses : [podQOS(this.pod)];
      for (const q of classes) removeCgroup(podCgroupParent(this.deps.cgroupRoot, q, this.uid));
    }
    this.deps.crashBackoff.forgetPrefix(`${this.uid}/`);
    this.finished = true;
    this.deps.done(this.uid);
  }
}
