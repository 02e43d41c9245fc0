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
