/**
 * Test fixtures for pod workers (PodWorker, PodWorkers, the kubelet's pod
 * clean-ups): PodWorkerDeps over a SimulatedRuntime on a FakeClock, in a
 * temporary directory, recording what the workers hand out (statuses,
 * final statuses, events, finished uids). Not used by production code.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PodStatus } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import { ImagePuller } from "../images/image-puller.ts";
import {
  SimulatedRuntime,
  type SimulatedRuntimeOptions,
} from "../runtime/simulated/simulated-runtime.ts";
import { Backoff } from "./backoff.ts";
import type { PodWorkerDeps } from "./pod-worker-deps.ts";

export interface PodWorkerFixture {
  clock: FakeClock;
  runtime: SimulatedRuntime;
  /** The fixture's temporary directory (pods/ and logs/ below it). */
  dir: string;
  deps: PodWorkerDeps;
  /** Every status handed to setStatus, in order. */
  statuses: PodStatus[];
  /** The latest status per pod uid (setStatus or finalize). */
  statusOf: Map<string, PodStatus>;
  /** Every status handed to finalize, in order. */
  finalized: PodStatus[];
  /** Events as `<type> <reason> <message>`. */
  events: string[];
  /** Uids whose worker called done. */
  done: string[];
}

/** Makes fixtures and removes their directories on dispose() (call it from after()). */
export class PodWorkerFixtures {
  private readonly dirs: string[] = [];

  make(runtimeOptions: Omit<SimulatedRuntimeOptions, "clock"> = {}): PodWorkerFixture {
    const clock = new FakeClock();
    const runtime = new SimulatedRuntime({ clock, ...runtimeOptions });
    const dir = mkdtempSync(join(tmpdir(), "k8ts-podworker-"));
    this.dirs.push(dir);
    const f: Omit<PodWorkerFixture, "deps"> = {
      clock,
      runtime,
      dir,
      statuses: [],
      statusOf: new Map(),
      finalized: [],
      events: [],
      done: [],
    };
    const deps: PodWorkerDeps = {
      runtime,
      runtimeName: "containerd",
      clock,
      log: createLogger("test", { write: () => {} }),
      images: new ImagePuller(runtime, new Backoff(clock), {
        pullEnabled: false,
        now: () => clock.now(),
      }),
      crashBackoff: new Backoff(clock),
      source: { configMap: async () => undefined, secret: async () => undefined },
      hostIP: "127.0.0.1",
      logsDir: join(dir, "logs"),
      podsDir: join(dir, "pods"),
      cgroupRoot: "/k8ts-unit-test-none",
      memoryCapacity: 1 << 30,
      allocatable: { cpuMilli: 2000, memory: 1 << 30, ephemeralStorage: 1 << 30 },
      event: (_pod, type, reason, message) => f.events.push(`${type} ${reason} ${message}`),
      setStatus: (pod, s) => {
        f.statuses.push(s);
        f.statusOf.set(pod.metadata?.uid ?? "", s);
      },
      finalize: async (pod, s) => {
        f.finalized.push(s);
        f.statusOf.set(pod.metadata?.uid ?? "", s);
      },
      done: (uid) => void f.done.push(uid),
    };
    return { ...f, deps };
  }

  dispose(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
