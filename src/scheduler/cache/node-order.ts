/**
 * Upstream's NodeTree order: nodes interleaved zone by zone (one node from
 * each zone in turn), so a sampled prefix of the list spreads across zones.
 * Within a zone, nodes keep name order; zones are in name order.
 */
import type { NodeInfo } from "../framework/node-info.ts";

export function nodeOrder(nodes: NodeInfo[]): NodeInfo[] {
  const zones = new Map<string, NodeInfo[]>();
  for (const n of nodes) {
    const l = n.labels;
    const zone = `${l["topology.kubernetes.io/region"] ?? ""}:${l["topology.kubernetes.io/zone"] ?? ""}`;
    let list = zones.get(zone);
    if (!list) zones.set(zone, (list = []));
    list.push(n);
  }
  const lists = [...zones.keys()]
    .sort()
    .map((z) => zones.get(z)!.sort((a, b) => (a.name < b.name ? -1 : 1)));
  const out: NodeInfo[] = [];
  for (let i = 0; out.length < nodes.length; i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]!);
  }
  return out;
}
