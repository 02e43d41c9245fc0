/**
 * Merges available remote group versions (from APIServices) into the
 * discovery documents: /apis (APIGroupList), aggregated discovery v2 and
 * /apis/<group>. Versions of a group are ordered by versionPriority (highest
 * first); local groups keep precedence over remote ones of the same name.
 */
type Rec = Record<string, unknown>;

/** A remote group version and the APIResourceList its server answered. */
export interface RemoteVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  resources: Rec;
}

function byGroup(remote: RemoteVersion[]): Map<string, RemoteVersion[]> {
  const out = new Map<string, RemoteVersion[]>();
  const sorted = [...remote].sort(
    (a, b) => b.groupPriorityMinimum - a.groupPriorityMinimum || a.group.localeCompare(b.group),
  );
  for (const r of sorted) out.set(r.group, [...(out.get(r.group) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => b.versionPriority - a.versionPriority);
  return out;
}

function groupEntry(group: string, versions: RemoteVersion[]): Rec {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v.version}`, version: v.version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

/** /apis with the remote groups appended. */
export function mergeGroupList(doc: Rec, remote: RemoteVersion[]): Rec {
  const groups = [...((doc.groups as Rec[]) ?? [])];
  const local = new Set(groups.map((g) => g.name));
  for (const [group, versions] of byGroup(remote))
    if (!local.has(group)) groups.push(groupEntry(group, versions));
  return { ...doc, groups };
}

/** /apis/<group> for a remote group, undefined when none is available. */
export function remoteGroup(group: string, remote: RemoteVersion[]): Rec | undefined {
  const versions = byGroup(remote).get(group);
  return versions
    ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) }
    : undefined;
}

/** One APIResourceList (legacy) as aggregated discovery resources. */
function discoveryResources(group: string, version: string, list: Rec): Rec[] {
  const entries = Array.isArray(list.resources) ? (list.resources as Rec[]) : [];
  const out = new Map<string, Rec>();
  for (const r of entries) {
    const name = String(r.name ?? "");
    if (name.includes("/")) continue;
    const e: Rec = {
      resource: name,
      responseKind: { group, version, kind: r.kind },
      scope: r.namespaced ? "Namespaced" : "Cluster",
      singularResource: r.singularName ?? "",
      verbs: r.verbs ?? [],
    };
    if (Array.isArray(r.shortNames) && r.shortNames.length) e.shortNames = r.shortNames;
    if (Array.isArray(r.categories) && r.categories.length) e.categories = r.categories;
    out.set(name, e);
  }
  for (const r of entries) {
    const [parent, sub] = String(r.name ?? "").split("/", 2);
    const p = sub ? out.get(parent) : undefined;
    if (!p) continue;
    const subs = (p.subresources as Rec[] | undefined) ?? [];
    subs.push({
      subresource: sub,
      responseKind: { group, version, kind: r.kind },
      verbs: r.verbs ?? [],
    });
    p.subresources = subs;
  }
  return [...out.values()];
}

/** Aggregated discovery (/apis) with the remote groups appended. */
export function mergeAggregated(doc: Rec, remote: RemoteVersion[]): Rec {
  const items = [...((doc.items as Rec[]) ?? [])];
  const local = new Set(items.map((i) => (i.metadata as Rec)?.name));
  for (const [group, versions] of byGroup(remote)) {
    if (local.has(group)) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((v) => ({
        version: v.version,
        resources: discoveryResources(group, v.version, v.resources),
        freshness: "Current",
      })),
    });
  }
  return { ...doc, items };
}
