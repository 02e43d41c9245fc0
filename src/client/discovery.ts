/** Reads the API's discovery documents to find served resources. */
import type { ResourceRef, RestClient } from "./rest-client.ts";

interface APIResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

export interface DiscoveredResource {
  ref: ResourceRef;
  kind: string;
  verbs: string[];
}

/** Every top-level resource of every group's preferred version. */
export async function discoverResources(client: RestClient): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const add = (group: string, version: string, list: { resources?: APIResource[] }) => {
    for (const r of list.resources ?? []) {
      if (r.name.includes("/")) continue;
      out.push({
        ref: { group, version, resource: r.name, namespaced: r.namespaced },
        kind: r.kind,
        verbs: r.verbs ?? [],
      });
    }
  };
  add("", "v1", await client.request("GET", "/api/v1"));
  const groups = await client.request<{
    groups?: { name: string; preferredVersion?: { version: string } }[];
  }>("GET", "/apis");
  await Promise.all(
    (groups.groups ?? []).map(async (g) => {
      const version = g.preferredVersion?.version;
      if (!version) return;
      try {
        add(g.name, version, await client.request("GET", `/apis/${g.name}/${version}`));
      } catch {
        // a group that fails discovery (e.g. an unavailable aggregated API) is skipped
      }
    }),
  );
  return out;
}
