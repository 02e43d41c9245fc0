/**
 * Legacy discovery documents derived from the registry: /api (APIVersions),
 * /apis (APIGroupList), /apis/<g> (APIGroup), /api/v1 and /apis/<g>/<v>
 * (APIResourceList, subresources as "pods/status").
 */
import { createHash } from "node:crypto";
import type { Registry } from "../api/registry.ts";
import { ALL_VERBS, type ResourceDef } from "../api/types.ts";

export interface DiscoveryOptions {
  /** host:port clients use to reach this server. */
  serverAddress: string;
}

/** GET /api */
export function apiVersions(opts: DiscoveryOptions): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: opts.serverAddress }],
  };
}

function groupDoc(registry: Registry, group: string): object | undefined {
  const versions = registry
    .groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  if (versions.length === 0) return undefined;
  const preferred = registry.preferredVersion(group)!;
  return {
    name: group,
    versions,
    preferredVersion: { groupVersion: `${group}/${preferred}`, version: preferred },
  };
}

/** GET /apis */
export function apiGroupList(registry: Registry): object {
  const groups: object[] = [];
  const seen = new Set<string>();
  for (const gv of registry.groupVersions()) {
    if (gv.group === "" || seen.has(gv.group)) continue;
    seen.add(gv.group);
    groups.push(groupDoc(registry, gv.group)!);
  }
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** GET /apis/<group>, undefined when the group is not served. */
export function apiGroup(registry: Registry, group: string): object | undefined {
  const doc = groupDoc(registry, group);
  return doc ? { kind: "APIGroup", apiVersion: "v1", ...doc } : undefined;
}

/** GET /api/v1 or /apis/<g>/<v>, undefined when not served. */
export function apiResourceList(
  registry: Registry,
  group: string,
  version: string,
): object | undefined {
  const defs = registry.resourcesIn(group, version);
  if (defs.length === 0) return undefined;
  const resources: object[] = [];
  for (const def of defs) {
    resources.push(resourceEntry(def));
    for (const sub of def.subresources ?? []) {
      const entry: Record<string, unknown> = {
        name: `${def.resource}/${sub.name}`,
        singularName: "",
        namespaced: def.namespaced,
        kind: sub.kind,
        verbs: [...sub.verbs].sort(),
      };
      if (sub.group !== undefined) entry.group = sub.group;
      if (sub.version !== undefined) entry.version = sub.version;
      resources.push(entry);
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function resourceEntry(def: ResourceDef): object {
  const entry: Record<string, unknown> = {
    name: def.resource,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: [...(def.verbs ?? ALL_VERBS)].sort(),
  };
  if (def.shortNames?.length) entry.shortNames = def.shortNames;
  if (def.categories?.length) entry.categories = def.categories;
  entry.storageVersionHash = storageVersionHash(def);
  return entry;
}

/** As upstream: base64 of the first 8 bytes of sha256("<group>/<storage version>/<kind>"). */
function storageVersionHash(def: ResourceDef): string {
  const group = def.storage?.group ?? def.group;
  const version = def.storage?.version ?? def.version;
  const gv = group ? `${group}/${version}` : version;
  return createHash("sha256")
    .update(`${gv}/${def.kind}`)
    .digest()
    .subarray(0, 8)
    .toString("base64");
}

/** Content type of aggregated discovery replies; kubectl requires exactly this. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** True when the Accept header's first usable entry asks for aggregated discovery v2. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  for (const part of (accept ?? "").split(",")) {
    const [type, ...params] = part.split(";").map((s) => s.trim());
    const p = Object.fromEntries(
      params.map((kv) => kv.split("=").map((s) => s.trim()) as [string, string]),
    );
    if (type !== "application/json" && type !== "*/*") continue;
    if (!p.as) return false;
    if (p.as === "APIGroupDiscoveryList" && p.g === "apidiscovery.k8s.io" && p.v === "v2") {
      return true;
    }
  }
  return false;
}

function discoveryResource(def: ResourceDef): object {
  const entry: Record<string, unknown> = {
    resource: def.resource,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? "Namespaced" : "Cluster",
    singularResource: def.singular,
    verbs: [...(def.verbs ?? ALL_VERBS)].sort(),
  };
  if (def.shortNames?.length) entry.shortNames = def.shortNames;
  if (def.categories?.length) entry.categories = def.categories;
  if (def.subresources?.length) {
    entry.subresources = def.subresources.map((sub) => ({
      subresource: sub.name,
      responseKind: {
        group: sub.group ?? def.group,
        version: sub.version ?? def.version,
        kind: sub.kind,
      },
      verbs: [...sub.verbs].sort(),
    }));
  }
  return entry;
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2): every group of /api (core
 * only) or /apis (the rest) with its versions, preferred first, and their
 * resources in one document.
 */
export function aggregatedDiscovery(registry: Registry, legacy: boolean): object {
  const items: object[] = [];
  const byGroup = new Map<string, string[]>();
  for (const gv of registry.groupVersions()) {
    if ((gv.group === "") !== legacy) continue;
    const versions = byGroup.get(gv.group) ?? [];
    versions.push(gv.version);
    byGroup.set(gv.group, versions);
  }
  for (const [group, versions] of byGroup) {
    const metadata: Record<string, unknown> = { creationTimestamp: null };
    if (group) metadata.name = group;
    items.push({
      metadata,
      versions: versions.map((version) => ({
        version,
        resources: registry.resourcesIn(group, version).map(discoveryResource),
        freshness: "Current",
      })),
    });
  }
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items,
  };
}
