/**
 * What a sync must do to a pod's containers (upstream computePodActions),
 * decided from what the runtime shows: init containers one at a time (the
 * first not yet exited 0 is started, or restarted unless restartPolicy is
 * Never), then, once all init containers succeeded, each regular
 * container: started when it never ran, killed when a liveness or startup
 * probe failed, restarted after exiting as restartPolicy says, or left
 * alone for good.
 */
import type { Container, PodSpec } from "kubernetes-types/core/v1.d.ts";
import type { ContainerStatus } from "../runtime/runtime.ts";

export type PodAction =
  /** Never ran: start attempt 0. */
  | { type: "start"; container: Container; isInit: boolean }
  /** Exited and restartable: start the next attempt (subject to CrashLoopBackOff). */
  | { type: "restart"; container: Container; isInit: boolean; latest: ContainerStatus }
  /** Running but failed its liveness/startup probe: kill it (it is restarted later). */
  | { type: "kill"; container: Container; latest: ContainerStatus; probe: string }
  /** Exited and not to be restarted: no waiting reason any more. */
  | { type: "done"; container: Container };

/** The actions for `spec` given each container's instances (newest first). */
export function computePodActions(
  spec: PodSpec,
  containers: Map<string, ContainerStatus[]>,
  unhealthy: (containerId: string) => string | undefined,
): PodAction[] {
  const policy = spec.restartPolicy ?? "Always";
  for (const c of spec.initContainers ?? []) {
    const latest = containers.get(c.name)?.[0];
    if (latest?.state === "CONTAINER_EXITED" && latest.exitCode === 0) continue;
    if (!latest) return [{ type: "start", container: c, isInit: true }];
    if (latest.state === "CONTAINER_EXITED" && policy !== "Never")
      return [{ type: "restart", container: c, isInit: true, latest }];
    return [];
  }
  const actions: PodAction[] = [];
  for (const c of spec.containers) {
    const latest = containers.get(c.name)?.[0];
    if (!latest) {
      actions.push({ type: "start", container: c, isInit: false });
    } else if (latest.state === "CONTAINER_RUNNING") {
      const probe = unhealthy(latest.id);
      if (probe) actions.push({ type: "kill", container: c, latest, probe });
    } else if (latest.state === "CONTAINER_EXITED") {
      const again = policy === "Always" || (policy === "OnFailure" && latest.exitCode !== 0);
      actions.push(
        again
          ? { type: "restart", container: c, isInit: false, latest }
          : { type: "done", container: c },
      );
    }
  }
  return actions;
}
