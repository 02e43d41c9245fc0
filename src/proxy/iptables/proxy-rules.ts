/**
 * The iptables proxier's rules for the nat and filter tables, rendered as
 * `iptables-restore --noflush` input. Pure apart from the RuleCache the
 * caller passes (which the build updates).
 *
 * A full build (no `changed`, or no `cache`) writes every chain the proxier
 * owns and deletes every chain in `existingChains` (what the kernel holds)
 * that is no longer wanted. With `batchSize` it splits the work into
 * several COMMITs, each its own transaction (iptables-nft-restore's cost
 * grows faster than linearly with the chains of one transaction), ordered
 * so that every committed state is consistent: the per-service chains in
 * batches of `batchSize` service ports (a port's chains jump only to each
 * other and to KUBE-MARK-MASQ, so each batch is complete), then the filter
 * table, then the top-level nat chains that jump to them, then the stale
 * chains are flushed (nothing else references them any more) and only then
 * deleted. A failure part way leaves earlier COMMITs applied: still a
 * consistent table, which the next full build (reading the kernel's chains)
 * repairs.
 *
 * A partial build (`changed` and `cache`) touches only the changed
 * services, in one transaction: their chains are rewritten, their top-level
 * rules are changed rule by rule (`-D` for rules that went, `-I <chain> 1`
 * for new ones, so each chain's catch-all rule stays last; with iptables-nft
 * a rewrite of 10,000 KUBE-SERVICES rules costs seconds, the diff
 * milliseconds), and the chains they no longer use are deleted. Its cost
 * does not grow with the number of unchanged services.
 */
import type { EndpointInfo } from "../endpoint-info.ts";
import type { ServicePortInfo } from "../service-port.ts";
import { restoreSection } from "./restore-section.ts";
import type { RuleCache } from "./rule-cache.ts";
import {
  masqMark,
  quote as q,
  servicePortRules,
  type PortRuleOptions,
  type RuleBlock,
} from "./service-port-rules.ts";

export interface ProxyRulesInput extends PortRuleOptions {
  /** Every service's ports, keyed by service (`ns/name`). */
  services: ReadonlyMap<string, readonly ServicePortInfo[]>;
  /** Keyed by service port id `${servicePortName}/${protocol}`. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
  /** New connections to this CIDR that no service took are rejected locally. */
  serviceCIDR?: string;
  /** Services (`ns/name`) that changed since the last build; undefined: a full build. Needs `cache`. */
  changed?: ReadonlySet<string>;
  /** Full builds: the per-service chains now in the nat table. */
  existingChains: ReadonlySet<string>;
  /** The last builds' rules (see RuleCache); a full build refills it. */
  cache?: RuleCache;
  /** Full builds: service ports per COMMIT batch (undefined: everything in one transaction). */
  batchSize?: number;
}

export interface ProxyRules {
  /** The `iptables-restore --noflush` input (one or more COMMITs). */
  restore: string;
  /** How many COMMITs `restore` holds. */
  transactions: number;
  /** Every per-service nat chain that exists after the restore (read before the next build). */
  chains: ReadonlySet<string>;
  /** Rules in each table after the restore (the unchanged services' counted too). */
  natRules: number;
  filterRules: number;
  /** Service ports whose chains were written. */
  written: number;
  /** False for a partial build that left every top-level rule as it was. */
  topLevelWritten: boolean;
}

const fixedNatChains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"];
const fixedFilterChains = [
  "KUBE-SERVICES",
  "KUBE-EXTERNAL-SERVICES",
  "KUBE-FORWARD",
  "KUBE-NODEPORTS",
  "KUBE-PROXY-FIREWALL",
];

/** The nat rules every build writes, apart from the services'. */
const fixedNatRules = [
  `-A KUBE-POSTROUTING -m mark ! --mark ${masqMark}/${masqMark} -j RETURN`,
  `-A KUBE-POSTROUTING -j MARK --xor-mark ${masqMark}`,
  `-A KUBE-POSTROUTING -m comment --comment ${q("kubernetes service traffic requiring SNAT")} -j MASQUERADE --random-fully`,
  `-A KUBE-MARK-MASQ -j MARK --or-mark ${masqMark}`,
];
const nodePortsLast = `-A KUBE-SERVICES -m comment --comment ${q("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;
const fixedFilterRules = [
  "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
  `-A KUBE-FORWARD -m comment --comment ${q("kubernetes forwarding rules")} -m mark --mark ${masqMark}/${masqMark} -j ACCEPT`,
  `-A KUBE-FORWARD -m comment --comment ${q("kubernetes forwarding conntrack rule")} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
];
const rejectLast = (cidr: string) =>
  `-A KUBE-SERVICES -d ${cidr} -m comment --comment ${q("no service at this cluster IP and port")} -j REJECT --reject-with icmp-port-unreachable`;

const portId = (sp: ServicePortInfo) => `${sp.name}/${sp.protocol}`;
const byId = (a: ServicePortInfo, b: ServicePortInfo) => {
  const [x, y] = [portId(a), portId(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Renders the rules; see the module contract for full and partial builds. */
export function buildProxyRules(input: ProxyRulesInput): ProxyRules {
  return input.changed && input.cache
    ? buildPartial(input, input.changed, input.cache)
    : buildFull(input);
}

function buildFull(input: ProxyRulesInput): ProxyRules {
  const cache = input.cache;
  cache?.clear();
  const ports: [string, ServicePortInfo][] = [];
  for (const [svc, sps] of input.services) for (const sp of sps) ports.push([svc, sp]);
  ports.sort((a, b) => byId(a[1], b[1]));
  const natTop: string[] = [];
  const filterTop: string[] = [];
  const wanted = new Set<string>();
  // Per-service chains: batches of `batchSize` ports (one batch unless set).
  const batches: { chains: string[]; lines: string[] }[] = [];
  const perBatch = input.batchSize && input.batchSize > 0 ? input.batchSize : Infinity;
  let chainRules = 0;
  let service: { key: string; blocks: Map<string, RuleBlock> } | undefined;
  for (const [i, [svc, sp]] of ports.entries()) {
    if (i % perBatch === 0) batches.push({ chains: [], lines: [] });
    const batch = batches.at(-1)!;
    const { block, chainLines } = servicePortRules(
      sp,
      input.endpoints.get(portId(sp)) ?? [],
      input,
    );
    natTop.push(...block.nat);
    filterTop.push(...block.filter);
    batch.chains.push(...block.chains);
    batch.lines.push(...chainLines);
    for (const c of block.chains) wanted.add(c);
    chainRules += block.chainRules;
    if (cache) {
      // Ports sort by service first (`ns/name:port`), so a service's ports are adjacent.
      if (service?.key !== svc) {
        if (service) cache.set(service.key, service.blocks);
        service = { key: svc, blocks: new Map(cache.get(svc)) };
      }
      service.blocks.set(portId(sp), block);
    }
  }
  if (cache && service) cache.set(service.key, service.blocks);
  // Sorting only the stale chains: tens of thousands exist in a large cluster.
  const stale = [...input.existingChains].filter((c) => !wanted.has(c)).sort();
  const filterLines = [
    fixedFilterRules,
    filterTop,
    input.serviceCIDR ? [rejectLast(input.serviceCIDR)] : [],
  ];
  const filterText = restoreSection("filter", { chains: fixedFilterChains, lines: filterLines });
  const natLines = [fixedNatRules, natTop, [nodePortsLast]];
  const counts = {
    chains: wanted,
    natRules: fixedNatRules.length + natTop.length + 1 + chainRules,
    filterRules: filterLines.reduce((n, l) => n + l.length, 0),
    written: ports.length,
    topLevelWritten: true,
  };
  if (perBatch === Infinity) {
    const nat = restoreSection("nat", {
      chains: [...fixedNatChains, ...(batches[0]?.chains ?? []), ...stale],
      lines: [...natLines, batches[0]?.lines ?? []],
      deletes: stale,
    });
    return { restore: filterText + nat, transactions: 2, ...counts };
  }
  const sections = batches.map((b) =>
    restoreSection("nat", { chains: b.chains, lines: [b.lines] }),
  );
  sections.push(filterText, restoreSection("nat", { chains: fixedNatChains, lines: natLines }));
  // Stale chains may jump to each other: flush them all, then delete them.
  for (let i = 0; i < stale.length; i += perBatch * 3)
    sections.push(restoreSection("nat", { chains: stale.slice(i, i + perBatch * 3) }));
  for (let i = 0; i < stale.length; i += perBatch * 3)
    sections.push(restoreSection("nat", { deletes: stale.slice(i, i + perBatch * 3) }));
  return { restore: sections.join(""), transactions: sections.length, ...counts };
}

function buildPartial(
  input: ProxyRulesInput,
  changed: ReadonlySet<string>,
  cache: RuleCache,
): ProxyRules {
  const before = { nat: [] as string[], filter: [] as string[] };
  const after = { nat: [] as string[], filter: [] as string[] };
  const chains: string[] = [];
  const lines: string[] = [];
  const stale: string[] = [];
  let written = 0;
  for (const svc of [...changed].sort()) {
    const old = cache.get(svc);
    const next = new Map<string, RuleBlock>();
    for (const sp of [...(input.services.get(svc) ?? [])].sort(byId)) {
      const r = servicePortRules(sp, input.endpoints.get(portId(sp)) ?? [], input);
      next.set(portId(sp), r.block);
      chains.push(...r.block.chains);
      lines.push(...r.chainLines);
      after.nat.push(...r.block.nat);
      after.filter.push(...r.block.filter);
      written++;
    }
    const kept = new Set([...next.values()].flatMap((b) => b.chains));
    for (const b of old.values()) {
      before.nat.push(...b.nat);
      before.filter.push(...b.filter);
      for (const c of b.chains) if (!kept.has(c)) stale.push(c);
    }
    cache.set(svc, next);
  }
  const natDiff = topLevelDiffLines(before.nat, after.nat);
  const filterDiff = topLevelDiffLines(before.filter, after.filter);
  const parts: string[] = [];
  if (filterDiff.length) parts.push(restoreSection("filter", { lines: [filterDiff] }));
  // Stale chains are flushed by their declaration and deleted after the
  // top-level rules that jumped to them.
  if (chains.length || natDiff.length || stale.length) {
    parts.push(
      restoreSection("nat", {
        chains: [...chains, ...stale],
        lines: [lines, natDiff],
        deletes: stale,
      }),
    );
  }
  return {
    restore: parts.join(""),
    transactions: parts.length,
    chains: cache.chains,
    natRules: fixedNatRules.length + 1 + cache.natTopRules + cache.chainRules,
    filterRules: fixedFilterRules.length + (input.serviceCIDR ? 1 : 0) + cache.filterRules,
    written,
    topLevelWritten: natDiff.length + filterDiff.length > 0,
  };
}

/** One table's `-D` for top-level rules that went, then `-I <chain> 1` for new ones. */
function topLevelDiffLines(before: readonly string[], after: readonly string[]): string[] {
  const [had, has] = [new Set(before), new Set(after)];
  const out: string[] = [];
  for (const l of before) if (!has.has(l)) out.push(`-D ${l.slice(3)}`);
  for (const l of after) {
    if (had.has(l)) continue;
    const [chain, ...spec] = l.slice(3).split(" ");
    out.push(`-I ${chain} 1 ${spec.join(" ")}`);
  }
  return out;
}
