/**
 * Container environment as upstream makeEnvironmentVariables: envFrom first,
 * then env in order (value with $(VAR) expansion, fieldRef,
 * resourceFieldRef, configMapKeyRef, secretKeyRef). Missing referenced
 * objects or keys fail with EnvError unless marked optional.
 */
import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.d.ts";
import type { ClaimSource } from "./claim-volume.ts";
import { quantityValue } from "./qos.ts";

/** Reads config maps and secrets (`data` already decoded to strings). */
/** Config maps and secrets (decoded), and the claims and volumes of persistentVolumeClaim volumes. */
export interface ObjectSource extends Partial<ClaimSource> {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** A container's environment cannot be built (upstream CreateContainerConfigError). */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

export interface PodRuntimeFacts {
  hostIP: string;
  podIPs: string[];
  /** Node allocatable (cpu in millicores, memory bytes) for unset limits. */
  allocatable: { cpuMilli: number; memory: number; ephemeralStorage: number };
}

/**
 * Expands $(VAR) from the maps (first match wins); $$ escapes; unknown
 * references are kept as written (upstream third_party/forked/golang/expansion).
 */
export function expandVars(input: string, ...envs: Map<string, string>[]): string {
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (m, name?: string) => {
    if (m === "$$") return "$";
    for (const env of envs) if (name !== undefined && env.has(name)) return env.get(name)!;
    return m;
  });
}

/** The value a downward API fieldRef path names. */
export function fieldPathValue(pod: Pod, path: string, facts: PodRuntimeFacts): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (pod.metadata?.[m[1] as "labels" | "annotations"] ?? {})[m[2]] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "metadata.labels":
    case "metadata.annotations": {
      const map = pod.metadata?.[path === "metadata.labels" ? "labels" : "annotations"] ?? {};
      return Object.keys(map)
        .sort()
        .map((k) => `${k}=${JSON.stringify(map[k])}`)
        .join("\n");
    }
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return facts.hostIP;
    case "status.hostIPs":
      return facts.hostIP;
    case "status.podIP":
      return facts.podIPs[0] ?? "";
    case "status.podIPs":
      return facts.podIPs.join(",");
    default:
      throw new EnvError(`unsupported fieldRef path ${path}`);
  }
}

/** The value a resourceFieldRef names, divided by its divisor (rounded up). */
export function resourceFieldValue(
  container: Container,
  resource: string,
  divisor: string | undefined,
  facts: PodRuntimeFacts,
): string {
  const [kind, name] = resource.split(".", 2) as ["limits" | "requests", string];
  const raw = container.resources?.[kind]?.[name] as string | undefined;
  const isCpu = name === "cpu";
  let value = raw !== undefined ? quantityValue(raw, isCpu) : 0;
  if (raw === undefined && kind === "limits") {
    value =
      name === "cpu"
        ? facts.allocatable.cpuMilli
        : name === "memory"
          ? facts.allocatable.memory
          : facts.allocatable.ephemeralStorage;
  }
  const div = divisor ? quantityValue(divisor, isCpu) : isCpu ? 1000 : 1;
  return String(Math.ceil(value / Math.max(div, 1e-9)));
}

/**
 * The container's environment as ordered KEY=value pairs: envFrom, env
 * (values expand $(VAR) from the variables before them, then from the
 * service variables), then the service variables not already set.
 */
export async function containerEnv(
  pod: Pod,
  container: Container,
  source: ObjectSource,
  facts: PodRuntimeFacts,
  serviceEnv: Map<string, string> = new Map(),
): Promise<{ key: string; value: string }[]> {
  const ns = pod.metadata?.namespace ?? "default";
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      data = await source.configMap(ns, from.configMapRef.name ?? "");
      if (!data && !from.configMapRef.optional)
        throw new EnvError(`configmap "${from.configMapRef.name}" not found`);
    } else if (from.secretRef) {
      data = await source.secret(ns, from.secretRef.name ?? "");
      if (!data && !from.secretRef.optional)
        throw new EnvError(`secret "${from.secretRef.name}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) env.set(prefix + k, v);
  }
  for (const e of container.env ?? [])
    env.set(e.name, await envValue(pod, container, e, [env, serviceEnv], source, facts));
  for (const [k, v] of serviceEnv) if (!env.has(k)) env.set(k, v);
  return [...env].map(([key, value]) => ({ key, value }));
}

async function envValue(
  pod: Pod,
  container: Container,
  e: EnvVar,
  env: Map<string, string>[],
  source: ObjectSource,
  facts: PodRuntimeFacts,
): Promise<string> {
  const ns = pod.metadata?.namespace ?? "default";
  const from = e.valueFrom;
  if (!from) return expandVars(e.value ?? "", ...env);
  if (from.fieldRef) return fieldPathValue(pod, from.fieldRef.fieldPath, facts);
  if (from.resourceFieldRef) {
    const target = from.resourceFieldRef.containerName
      ? (pod.spec?.containers.find((c) => c.name === from.resourceFieldRef!.containerName) ??
        container)
      : container;
    return resourceFieldValue(
      target,
      from.resourceFieldRef.resource,
      from.resourceFieldRef.divisor as string | undefined,
      facts,
    );
  }
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const kind = from.configMapKeyRef ? "configmap" : "secret";
    const data = from.configMapKeyRef
      ? await source.configMap(ns, ref.name ?? "")
      : await source.secret(ns, ref.name ?? "");
    if (!data) {
      if (ref.optional) return "";
      throw new EnvError(`${kind} "${ref.name}" not found`);
    }
    if (!(ref.key in data)) {
      if (ref.optional) return "";
      throw new EnvError(
        `couldn't find key ${ref.key} in ${kind === "configmap" ? "ConfigMap" : "Secret"} ${ns}/${ref.name}`,
      );
    }
    return data[ref.key];
  }
  return "";
}
