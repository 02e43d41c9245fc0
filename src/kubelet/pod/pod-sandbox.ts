/**
 * The two pod-wide steps of a pod worker's sync, as upstream's
 * kubeGenericRuntimeManager does them: (re)creating the pod sandbox
 * (SyncPod's createPodSandbox, after killing what the old sandbox held)
 * and killing a pod (killPodWithSyncResult: every container with its
 * grace period and preStop hook, then the sandboxes).
 */
import { mkdirSync } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import type { ContainerRuntime, PodSandboxConfig, PodSandboxStatus } from "../runtime/runtime.ts";
import { killContainer, type EventFn } from "./container-runner.ts";
import type { PodObserved } from "./observe-pod.ts";
import { podLogDir } from "./runtime-config.ts";

/** The sandbox now running, or why creating it failed. */
export type SandboxResult =
  | { sandbox: PodSandboxStatus | undefined; error?: undefined }
  | { sandbox?: undefined; error: string };

/**
 * Replaces the pod's missing or dead sandbox: stops the containers still
 * running in the old one and the old sandbox itself, creates the pod's log
 * directory, then runs the new sandbox (SandboxChanged when one existed;
 * FailedCreatePodSandBox on failure).
 */
export async function recreateSandbox(
  runtime: ContainerRuntime,
  req: {
    pod: Pod;
    observed: PodObserved;
    config: PodSandboxConfig;
    logsDir: string;
    event: EventFn;
    /** Make no log directory (a simulated node). */
    hostless?: boolean;
  },
): Promise<SandboxResult> {
  const old = req.observed.sandbox;
  for (const list of req.observed.containers.values())
    for (const c of list) if (c.state === "CONTAINER_RUNNING") await runtime.stopContainer(c.id, 0);
  if (old) await runtime.stopPodSandbox(old.id);
  if (!req.hostless) mkdirSync(podLogDir(req.logsDir, req.pod), { recursive: true });
  try {
    const id = await runtime.runPodSandbox(req.config, req.pod.spec?.runtimeClassName ?? "");
    const sandbox = await runtime.podSandboxStatus(id);
    if (old)
      req.event(
        "Normal",
        "SandboxChanged",
        "Pod sandbox changed, it will be killed and re-created.",
      );
    return { sandbox };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    req.event("Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${msg}`);
    return { error: msg };
  }
}

/**
 * Kills the pod: every running or created container in parallel, each with
 * `graceSeconds` (preStop hooks first), then stops every sandbox.
 */
export async function killPod(
  deps: { runtime: ContainerRuntime; clock: Clock },
  req: { pod: Pod; observed: PodObserved; graceSeconds: number; event: EventFn },
): Promise<void> {
  const spec = req.pod.spec!;
  const byName = new Map(
    [...(spec.initContainers ?? []), ...spec.containers].map((c) => [c.name, c]),
  );
  const obs = req.observed;
  await Promise.all(
    [...obs.containers.values()].flatMap((list) =>
      list
        .filter((s) => s.state === "CONTAINER_RUNNING" || s.state === "CONTAINER_CREATED")
        .map((s) =>
          killContainer(deps, {
            containerId: s.id,
            container: byName.get(s.metadata.name),
            podIP: obs.sandbox?.ips[0] ?? "",
            graceSeconds: req.graceSeconds,
            reason: `Stopping container ${s.metadata.name}`,
            event: req.event,
          }),
        ),
    ),
  );
  for (const sb of obs.sandboxes) await deps.runtime.stopPodSandbox(sb.id);
}
