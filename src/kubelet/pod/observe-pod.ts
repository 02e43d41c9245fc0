/**
 * What the runtime has of one pod (upstream GetPodStatus): its sandboxes
 * (newest attempt first, with the latest one's status) and its containers'
 * statuses grouped by container name, newest attempt first.
 */
import type {
  ContainerRuntime,
  ContainerStatus,
  PodSandbox,
  PodSandboxStatus,
} from "../runtime/runtime.ts";
import { labelPodUID } from "./runtime-config.ts";

export interface PodObserved {
  sandboxes: PodSandbox[];
  sandbox?: PodSandboxStatus;
  containers: Map<string, ContainerStatus[]>;
}

/** Reads the pod's sandboxes and containers from the runtime. */
export async function observePod(rt: ContainerRuntime, uid: string): Promise<PodObserved> {
  const selector = { labelSelector: { [labelPodUID]: uid } };
  const [sandboxList, list] = await Promise.all([
    rt.listPodSandbox(selector),
    rt.listContainers(selector),
  ]);
  const sandboxes = sandboxList.sort(
    (a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt,
  );
  const latest = sandboxes[0];
  const [sandbox, ...statuses] = await Promise.all([
    latest ? rt.podSandboxStatus(latest.id) : Promise.resolve(undefined),
    ...list.map((c) => rt.containerStatus(c.id)),
  ]);
  const byName = new Map<string, ContainerStatus[]>();
  for (const s of statuses) {
    if (!s) continue;
    const arr = byName.get(s.metadata.name) ?? [];
    arr.push(s);
    byName.set(s.metadata.name, arr);
  }
  for (const arr of byName.values())
    arr.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
  return { sandboxes, sandbox: sandbox as PodSandboxStatus | undefined, containers: byName };
}

/** `obs` with the statuses of the containers just started put first under their names. */
export async function withStarted(
  rt: ContainerRuntime,
  obs: PodObserved,
  ids: string[],
): Promise<PodObserved> {
  const containers = new Map([...obs.containers].map(([k, v]) => [k, [...v]]));
  for (const s of await Promise.all(ids.map((id) => rt.containerStatus(id)))) {
    if (!s) continue;
    containers.set(s.metadata.name, [s, ...(containers.get(s.metadata.name) ?? [])]);
  }
  return { ...obs, containers };
}
