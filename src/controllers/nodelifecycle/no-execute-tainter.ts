/**
 * The NoExecute half of node tainting (upstream's processTaintBaseEviction,
 * handleDisruption and doNoExecuteTaintingPass): a not-Ready node waits in
 * its zone's rate-limited queue for its not-ready / unreachable NoExecute
 * taint; the zones' disruption states set the rates; while every zone is
 * fully disrupted nothing is tainted and the NoExecute taints are removed.
 */
import { isConflict, isNotFound } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { nodesRef } from "../../client/resources.ts";
import type { Node, Taint } from "./taints.ts";
import { ZoneDisruption } from "./zone-disruption.ts";
import {
  DEFAULT_ZONE_EVICTION,
  EXCLUDE_DISRUPTION_LABEL,
  zoneKey,
  type ZoneEvictionOptions,
  type ZoneState,
} from "./zones.ts";

const NO_EXECUTE_TAINTS = {
  False: { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
  Unknown: { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
} as const;

const hasTaint = (taints: Taint[] | undefined, t: { key: string; effect: string }) =>
  (taints ?? []).some((x) => x.key === t.key && x.effect === t.effect);

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Writes a node's spec.taints; false on a conflict (the caller retries), true on NotFound. */
export async function writeNodeTaints(
  client: RestClient,
  node: Node,
  taints: Taint[],
): Promise<boolean> {
  try {
    await client.update(nodesRef, {
      ...node,
      spec: { ...node.spec, taints: taints.length ? taints : undefined },
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    if (isConflict(err)) return false;
    throw err;
  }
}

export interface NoExecuteTainterOptions {
  client: RestClient;
  /** The node informer (read-only cache). */
  nodes: SharedInformer<Node>;
  clock: Clock;
  zoneEviction?: Partial<ZoneEvictionOptions>;
  /** Called with every node when the cluster leaves all-zones FullDisruption. */
  onExitFullDisruption?(nodes: Node[]): void;
}

export class NoExecuteTainter {
  private readonly zones: ZoneDisruption;
  private readonly nodes: SharedInformer<Node>;

  constructor(private readonly opts: NoExecuteTainterOptions) {
    this.nodes = opts.nodes;
    this.zones = new ZoneDisruption({ ...DEFAULT_ZONE_EVICTION, ...opts.zoneEviction }, opts.clock);
  }

  /**
   * The NoExecute taints a node keeps or gets right away (upstream's
   * processTaintBaseEviction): a Ready node loses them; a node already
   * tainted for the other not-Ready status has its taint swapped at once;
   * otherwise the node waits in its zone's queue (doNoExecuteTaintingPass).
   */
  noExecuteTaints(node: Node, readyStatus: string | undefined): Taint[] {
    const name = node.metadata?.name ?? "";
    const taints = node.spec?.taints;
    if (readyStatus === "True") {
      this.zones.tainter(zoneKey(node)).remove(name);
      return [];
    }
    if (readyStatus !== "False" && readyStatus !== "Unknown")
      return Object.values(NO_EXECUTE_TAINTS).filter((t) => hasTaint(taints, t));
    const wanted = NO_EXECUTE_TAINTS[readyStatus];
    const other = NO_EXECUTE_TAINTS[readyStatus === "False" ? "Unknown" : "False"];
    if (hasTaint(taints, wanted) || hasTaint(taints, other)) return [wanted];
    this.zones.tainter(zoneKey(node)).add(name);
    return [];
  }

  /** The disruption state of a zone ("" for nodes without zone labels). */
  zoneState(zone: string): ZoneState | undefined {
    return this.zones.stateOf(zone);
  }

  /**
   * Upstream's handleDisruption over the cached nodes' Ready statuses. On
   * entering all-zones FullDisruption the NoExecute taints are removed from
   * every node; on leaving it every node's grace period starts afresh.
   */
  async handleDisruption(): Promise<void> {
    const byZone = new Map<string, (string | undefined)[]>();
    const nodes = this.nodes.indexer.list();
    for (const node of nodes) {
      if (node.metadata?.labels?.[EXCLUDE_DISRUPTION_LABEL] !== undefined) continue;
      const zone = zoneKey(node);
      const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
      let statuses = byZone.get(zone);
      if (!statuses) byZone.set(zone, (statuses = []));
      statuses.push(ready); // not a copy per node: that was quadratic at 5,000 nodes
    }
    const transition = this.zones.update(byZone);
    if (transition === "exitedFullDisruption") this.opts.onExitFullDisruption?.(nodes);
    if (transition !== "enteredFullDisruption") return;
    for (const node of nodes) {
      this.zones.tainter(zoneKey(node)).remove(node.metadata?.name ?? "");
      await this.removeNoExecuteTaints(node);
    }
  }

  /** upstream markNodeAsReachable: drops both NoExecute taints, re-reading the node on conflicts. */
  private async removeNoExecuteTaints(cached: Node): Promise<void> {
    let node: Node | undefined = cached;
    for (let attempt = 0; node && attempt < 5; attempt++) {
      const taints = node.spec?.taints ?? [];
      const kept = taints.filter(
        (t) =>
          !Object.values(NO_EXECUTE_TAINTS).some((x) => x.key === t.key && x.effect === t.effect),
      );
      if (kept.length === taints.length || (await writeNodeTaints(this.opts.client, node, kept)))
        return;
      node = await this.opts.client
        .get<Node>(nodesRef, undefined, node.metadata?.name ?? "")
        .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
    }
  }

  /**
   * Adds queued NoExecute taints, each zone at its own rate (upstream's
   * doNoExecuteTaintingPass, every 100 ms). Cheap: it reads the zone states
   * and rates that the last handleDisruption (the node monitor pass, every
   * 5 s) left, and never looks at every node.
   */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const queue of this.zones.allTainters()) {
      await queue.try(async (name) => {
        const node = this.nodes.indexer.get(name);
        const ready = node?.status?.conditions?.find((c) => c.type === "Ready")?.status;
        if (!node || (ready !== "False" && ready !== "Unknown")) return true;
        const wanted = NO_EXECUTE_TAINTS[ready];
        const other = NO_EXECUTE_TAINTS[ready === "False" ? "Unknown" : "False"];
        const taints = (node.spec?.taints ?? []).filter(
          (t) => !(t.key === other.key && t.effect === other.effect),
        );
        if (hasTaint(taints, wanted) && taints.length === (node.spec?.taints ?? []).length)
          return true;
        if (!hasTaint(taints, wanted))
          taints.push({ ...wanted, timeAdded: stamp(this.opts.clock.now()) });
        // Upstream retries a failed swap after 50 ms.
        return (await writeNodeTaints(this.opts.client, node, taints)) ? true : 50;
      });
    }
  }
}
