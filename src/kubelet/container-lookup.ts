/**
 * Finds a pod's containers and sandbox in the runtime by the labels the
 * kubelet puts on them: what the kubelet's HTTPS server needs for
 * /containerLogs (latest or previous instance), /exec, /attach and
 * /portForward.
 */
import type { ContainerRuntime, ContainerStatus, PodSandbox } from "./runtime/runtime.ts";
import { labelContainerName, labelPodName, labelPodNamespace } from "./pod/runtime-config.ts";

export interface ContainerRef {
  /** Runtime container ID (without the `containerd://` prefix). */
  id: string;
  podSandboxId: string;
  status: ContainerStatus;
  /** Absolute path of the CRI-format log file. */
  logPath: string;
}

/**
 * The newest instance of the named container (or, with previous, the one
 * before it); undefined when there is none.
 */
export async function findContainer(
  runtime: ContainerRuntime,
  namespace: string,
  podName: string,
  containerName: string,
  opts: { previous?: boolean } = {},
): Promise<ContainerRef | undefined> {
  const list = await runtime.listContainers({
    labelSelector: {
      [labelPodNamespace]: namespace,
      [labelPodName]: podName,
      [labelContainerName]: containerName,
    },
  });
  list.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
  const pick = list[opts.previous ? 1 : 0];
  if (!pick) return undefined;
  const status = await runtime.containerStatus(pick.id);
  if (!status) return undefined;
  return { id: pick.id, podSandboxId: pick.podSandboxId, status, logPath: status.logPath };
}

/** The pod's ready sandbox (for port-forward), newest first. */
export async function findSandbox(
  runtime: ContainerRuntime,
  namespace: string,
  podName: string,
): Promise<PodSandbox | undefined> {
  const list = await runtime.listPodSandbox({
    state: "SANDBOX_READY",
    labelSelector: { [labelPodNamespace]: namespace, [labelPodName]: podName },
  });
  return list.sort((a, b) => b.createdAt - a.createdAt)[0];
}
