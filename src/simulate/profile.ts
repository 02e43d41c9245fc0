/**
 * How simulated nodes behave: node size, how long each pod lifecycle stage
 * takes, how long Job pods run, how long containers take to stop, and the
 * resource usage they report. Built-in profiles "fast" (no delays, for scale
 * runs) and "realistic" (delays close to a containerd node), or a YAML/JSON
 * file whose fields override "fast".
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface SimulationProfile {
  /** CPU cores of each node (capacity). */
  cpuCores: number;
  /** Memory of each node in bytes (capacity). */
  memoryBytes: number;
  /** Zones nodes are spread over round-robin (label topology.kubernetes.io/zone). */
  zones: string[];
  /** Pending → ContainerCreating: RunPodSandbox takes this long. */
  sandboxDelayMs: number;
  /** ContainerCreating → Running: StartContainer takes this long. */
  startDelayMs: number;
  /** A Job's pod runs this long, then exits 0. */
  jobDurationMs: number;
  /** A container asked to stop takes this long (capped by the grace period). */
  stopDelayMs: number;
  /** Reported CPU usage as a fraction of the container's CPU request (or of 100m without one). */
  cpuUsageFraction: number;
  /** Reported memory working set as a fraction of the memory request (or 16 MiB without one). */
  memoryUsageFraction: number;
  /** Whether the kubelet records events (Created, Started, Killing...). */
  events: boolean;
}

/** Pod annotation overriding a simulated pod's reported CPU usage per container (a quantity, e.g. "250m"). */
export const cpuUsageAnnotation = "simulate.k8ts.io/cpu-usage";
/** Pod annotation overriding a simulated pod's memory working set per container (a quantity, e.g. "64Mi"). */
export const memoryUsageAnnotation = "simulate.k8ts.io/memory-usage";

const fast: SimulationProfile = {
  cpuCores: 32,
  memoryBytes: 256 * 2 ** 30,
  zones: ["zone-a", "zone-b", "zone-c"],
  sandboxDelayMs: 0,
  startDelayMs: 0,
  jobDurationMs: 1000,
  stopDelayMs: 0,
  cpuUsageFraction: 0.5,
  memoryUsageFraction: 0.5,
  events: false,
};

const realistic: SimulationProfile = {
  ...fast,
  cpuCores: 8,
  memoryBytes: 32 * 2 ** 30,
  sandboxDelayMs: 300,
  startDelayMs: 150,
  jobDurationMs: 10_000,
  stopDelayMs: 1000,
  events: true,
};

/** The built-in profiles by name. */
export const builtinProfiles: Readonly<Record<string, SimulationProfile>> = { fast, realistic };

/** Validates a partial profile and fills the rest from "fast"; throws with the offending field. */
export function makeProfile(
  over: Record<string, unknown>,
  base: SimulationProfile = fast,
): SimulationProfile {
  const out: SimulationProfile = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in base)) throw new Error(`Cannot parse profile: unknown field ${k}`);
    const want = Array.isArray(base[k as keyof SimulationProfile])
      ? "array"
      : typeof base[k as keyof SimulationProfile];
    const got = Array.isArray(v) ? "array" : typeof v;
    if (want !== got) throw new Error(`Cannot parse profile: ${k} must be a ${want}, got ${got}`);
    if (typeof v === "number" && (!Number.isFinite(v) || v < 0))
      throw new Error(`Cannot parse profile: ${k} must be a non-negative number`);
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  if (out.zones.length === 0 || out.zones.some((z) => typeof z !== "string" || !z))
    throw new Error("Cannot parse profile: zones must be non-empty strings");
  if (out.cpuCores <= 0 || out.memoryBytes <= 0)
    throw new Error("Cannot parse profile: empty nodes");
  return out;
}

/** "fast", "realistic", or a YAML/JSON file (optionally with `base: realistic`). */
export function loadProfile(nameOrFile: string): SimulationProfile {
  const builtin = builtinProfiles[nameOrFile];
  if (builtin) return { ...builtin, zones: [...builtin.zones] };
  let doc: unknown;
  try {
    doc = parse(readFileSync(nameOrFile, "utf8"));
  } catch (err) {
    throw new Error(
      `Cannot load profile ${nameOrFile}: not fast, realistic or a readable YAML file (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new Error(`Cannot load profile ${nameOrFile}: expected a mapping`);
  const { base, ...rest } = doc as Record<string, unknown>;
  const baseProfile = base === undefined ? fast : builtinProfiles[String(base)];
  if (!baseProfile) throw new Error(`Cannot load profile ${nameOrFile}: unknown base ${base}`);
  return makeProfile(rest, baseProfile);
}
