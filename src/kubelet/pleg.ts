/**
 * The kubelet's pod lifecycle event generator (upstream GenericPLEG), as a
 * relist: each call lists the runtime's sandboxes and containers, and
 * reports the pod uids whose sandbox/container ids or states changed since
 * the previous call (pods that appeared or vanished included), with the
 * listing itself (the kubelet's pod clean-ups reuse it).
 */
import { labelPodUID } from "./pod/runtime-config.ts";
import type { Container, ContainerRuntime, PodSandbox } from "./runtime/runtime.ts";

/** One relist: the uids of changed pods and what the runtime showed. */
export interface Relist {
  changed: string[];
  sandboxes: PodSandbox[];
  containers: Container[];
}

/** Returns a relist function; each call lists the runtime once. */
export function podLifecycleRelister(runtime: ContainerRuntime): () => Promise<Relist> {
  let lastSeen = new Map<string, string>();
  return async () => {
    const [sandboxes, containers] = await Promise.all([
      runtime.listPodSandbox(),
      runtime.listContainers(),
    ]);
    const seen = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels[labelPodUID] ?? s.metadata.uid;
      seen.set(uid, [...(seen.get(uid) ?? []), `${s.id}:${s.state}`]);
    }
    for (const c of containers) {
      const uid = c.labels[labelPodUID] ?? "";
      seen.set(uid, [...(seen.get(uid) ?? []), `${c.id}:${c.state}`]);
    }
    const now = new Map([...seen].map(([uid, parts]) => [uid, parts.sort().join(",")]));
    const changed: string[] = [];
    for (const [uid, sig] of now) if (lastSeen.get(uid) !== sig) changed.push(uid);
    for (const uid of lastSeen.keys()) if (!now.has(uid)) changed.push(uid);
    lastSeen = now;
    return { changed, sandboxes, containers };
  };
}
