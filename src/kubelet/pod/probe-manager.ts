/**
 * Periodic probing of a pod's running containers (upstream prober.Manager,
 * one worker per container and probe kind). Readiness starts false,
 * liveness true, startup false; liveness and readiness wait until the
 * startup probe has succeeded. A result flips only after successThreshold
 * successes or failureThreshold failures in a row; every flip calls
 * onChange so the pod worker re-syncs.
 */
import type { Container, Probe } from "kubernetes-types/core/v1.d.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { runProbe, type ProbeResult } from "./probe.ts";

export type ProbeKind = "readiness" | "liveness" | "startup";

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  result: boolean;
  successes: number;
  failures: number;
  timer?: TimerHandle;
  stopped: boolean;
}

export interface ProbeManagerOptions {
  clock: Clock;
  runtime: ContainerRuntime;
  onChange(): void;
  /** Called on each failed attempt (for Unhealthy events). */
  onFailure?(container: string, kind: ProbeKind, result: ProbeResult): void;
  /** Runs one probe attempt (default: runProbe); injectable for tests. */
  run?: typeof runProbe;
}

/** Whether the container has any probe (a container without one needs no worker). */
export function hasProbe(c: Container): boolean {
  return !!(c.startupProbe || c.livenessProbe || c.readinessProbe);
}

export class ProbeManager {
  private containers = new Map<string, { name: string; workers: Map<ProbeKind, Worker> }>();

  constructor(private readonly opts: ProbeManagerOptions) {}

  /** Starts workers for running containers not yet probed and stops those of containers gone. */
  sync(running: { id: string; container: Container; podIP: string }[]): void {
    const live = new Set(running.map((r) => r.id));
    for (const id of [...this.containers.keys()]) if (!live.has(id)) this.remove(id);
    for (const r of running) {
      // No entry for a container without probes: started and ready, never unhealthy.
      if (this.containers.has(r.id) || !hasProbe(r.container)) continue;
      const workers = new Map<ProbeKind, Worker>();
      const entry = { name: r.container.name, workers };
      this.containers.set(r.id, entry);
      const specs: [ProbeKind, Probe | undefined][] = [
        ["startup", r.container.startupProbe],
        ["liveness", r.container.livenessProbe],
        ["readiness", r.container.readinessProbe],
      ];
      for (const [kind, probe] of specs) {
        if (!probe) continue;
        const w: Worker = {
          kind,
          probe,
          result: kind === "liveness",
          successes: 0,
          failures: 0,
          stopped: false,
        };
        workers.set(kind, w);
        this.schedule(r.id, r, w, (probe.initialDelaySeconds ?? 0) * 1000);
      }
    }
  }

  private schedule(
    id: string,
    r: { container: Container; podIP: string },
    w: Worker,
    delayMs: number,
  ): void {
    if (w.stopped) return;
    w.timer = this.opts.clock.after(delayMs, () => void this.tick(id, r, w));
  }

  private async tick(
    id: string,
    r: { container: Container; podIP: string },
    w: Worker,
  ): Promise<void> {
    if (w.stopped) return;
    const period = (w.probe.periodSeconds ?? 10) * 1000;
    if (w.kind !== "startup" && !this.started(id)) {
      this.schedule(id, r, w, period);
      return;
    }
    if (w.kind === "startup" && w.result) return;
    const run = this.opts.run ?? runProbe;
    const res = await run(w.probe, {
      runtime: this.opts.runtime,
      containerId: id,
      container: r.container,
      podIP: r.podIP,
    });
    if (w.stopped) return;
    const before = w.result;
    if (res.ok) {
      w.failures = 0;
      w.successes++;
      if (w.successes >= (w.kind === "readiness" ? (w.probe.successThreshold ?? 1) : 1))
        w.result = true;
    } else {
      w.successes = 0;
      w.failures++;
      this.opts.onFailure?.(r.container.name, w.kind, res);
      if (w.failures >= (w.probe.failureThreshold ?? 3)) w.result = false;
    }
    if (w.result !== before || (!res.ok && w.kind !== "readiness" && !w.result))
      this.opts.onChange();
    this.schedule(id, r, w, period);
  }

  private remove(id: string): void {
    const e = this.containers.get(id);
    if (!e) return;
    for (const w of e.workers.values()) {
      w.stopped = true;
      w.timer?.cancel();
    }
    this.containers.delete(id);
  }

  /** Startup probe passed (or none). */
  started(id: string): boolean {
    const w = this.containers.get(id)?.workers.get("startup");
    return !w || w.result;
  }

  /** Readiness: true without a readiness probe once started. */
  ready(id: string): boolean {
    if (!this.started(id)) return false;
    const w = this.containers.get(id)?.workers.get("readiness");
    return !w || w.result;
  }

  /** The container failed its liveness or startup probe and must be restarted. */
  unhealthy(id: string): ProbeKind | undefined {
    const ws = this.containers.get(id)?.workers;
    const startup = ws?.get("startup");
    if (startup && !startup.result && startup.failures >= (startup.probe.failureThreshold ?? 3))
      return "startup";
    const live = ws?.get("liveness");
    if (live && !live.result) return "liveness";
    return undefined;
  }

  stop(): void {
    for (const id of [...this.containers.keys()]) this.remove(id);
  }
}
