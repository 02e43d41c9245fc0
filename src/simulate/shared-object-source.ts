/**
 * One ConfigMap/Secret cache for every hollow node of a simulator. A real
 * kubelet keeps its own cache of the objects its pods reference (upstream's
 * configMapManager/secretManager); thousands of hollow nodes in one process
 * share one instead, so a pod start does not cost the API server a GET of
 * the namespace's kube-root-ca.crt each time. Entries live ttlMs (upstream's
 * TTL-based managers refresh after about a minute); concurrent readers of one
 * object share one request; a failed read is not cached.
 */
import type { Clock } from "../client/clock.ts";
import type { ObjectSource } from "../kubelet/pod/env.ts";

type Data = Record<string, string> | undefined;

/** Wraps inner with a shared per-object cache of ttlMs (default 30 s). */
export function sharedObjectSource(
  inner: ObjectSource,
  clock: Clock,
  ttlMs = 30_000,
): ObjectSource {
  const cache = new Map<string, { at: number; value: Promise<Data> }>();
  const read = (kind: "configMap" | "secret", ns: string, name: string): Promise<Data> => {
    const key = `${kind}/${ns}/${name}`;
    const now = clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = inner[kind](ns, name);
    cache.set(key, { at: now, value });
    // Failures are retried by the next reader; expired entries are dropped as they are found.
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  };
  return {
    configMap: (ns, name) => read("configMap", ns, name),
    secret: (ns, name) => read("secret", ns, name),
  };
}
