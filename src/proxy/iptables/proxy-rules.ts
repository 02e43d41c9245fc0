/**
 * The iptables proxier's rules, as upstream's iptables mode lays them out,
 * rendered as one `iptables-restore --noflush` input for the nat and filter
 * tables. Pure: same input, same text.
 *
 * Contract for partial syncs: the top-level chains (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, ...) are rewritten in full, unless
 * `blocks` shows that no changed service port altered them (then they are
 * left out of the restore: `topLevelWritten` false), or `topLevelDiff` is
 * set (then only the changed ports' top-level rules are deleted with `-D`
 * and inserted with `-I <chain> 1`, which keeps each chain's catch-all rule
 * last; with iptables-nft a rewrite of 10,000 KUBE-SERVICES rules costs
 * seconds, the diff milliseconds);
 * per-service chains (KUBE-SVC/SVL/EXT/SEP) are rewritten only for the
 * service ports in `changed` (all of them when `changed` is undefined), and
 * every chain in `existingChains` that is no longer wanted is flushed and
 * deleted. The caller must pass in `existingChains` what is really in the
 * kernel (or what the last successful restore left there).
 */
import type { EndpointInfo } from "../endpoint-info.ts";
import { usableEndpoints } from "../endpoint-info.ts";
import type { ServicePortInfo } from "../service-port.ts";
import { usesExternalAddresses } from "../service-port.ts";
import {
  type ChainNameCache,
  endpointChain,
  externalChain,
  firewallChain,
  serviceLocalChain,
  servicePortChain,
} from "./chain-names.ts";
import { RuleTable as Table } from "./rule-table.ts";

export interface ProxyRulesInput {
  servicePorts: readonly ServicePortInfo[];
  /** Keyed `${servicePortName}/${protocol}`. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
  /** Pod traffic (from this CIDR) to a ClusterIP is not masqueraded. */
  clusterCIDR?: string;
  /** New connections to this CIDR that no service took are rejected locally. */
  serviceCIDR?: string;
  masqueradeAll?: boolean;
  /**
   * This node's IP: when a loadBalancerSourceRanges CIDR contains it, traffic
   * from the node that loops back with a load balancer IP as source is allowed.
   */
  nodeIP?: string;
  /** Services (`ns/name`) whose chains to rewrite; undefined: all. */
  changed?: ReadonlySet<string>;
  /** Per-service chains currently in the nat table. */
  existingChains: ReadonlySet<string>;
  /**
   * Upstream's large-cluster mode (more than 1,000 endpoints): endpoint
   * rules carry no comments, which makes the tables smaller and restores
   * faster. Changing it requires a full sync.
   */
  largeCluster?: boolean;
  /** Chain-name hashes kept between syncs (optional). */
  names?: ChainNameCache;
  /**
   * Each service port's top-level rules and chains from earlier builds,
   * reused for service ports not in `changed` (optional; owned by one
   * proxier, updated in place). Must be dropped when options change.
   */
  blocks?: Map<string, RuleBlock>;
  /** Partial syncs change top-level chains rule by rule (see the module contract; needs `blocks`). */
  topLevelDiff?: boolean;
}

/** One service port's rules outside its own chains, and the chains it uses. */
export interface RuleBlock {
  nat: string[];
  filter: string[];
  chains: string[];
  /** Rules in the port's own chains (not rewritten while unchanged; counted in natRules). */
  chainRules: number;
}

const topLevel = ["-A KUBE-SERVICES ", "-A KUBE-NODEPORTS "];
const fixedNatChains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"];
const fixedNatPrefixes = fixedNatChains.map((c) => `-A ${c} `);
const isFixedNatRule = (l: string) => fixedNatPrefixes.some((p) => l.startsWith(p));

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

export interface ProxyRules {
  /** The `iptables-restore --noflush` input. */
  restore: string;
  /** Every per-service nat chain that exists after the restore. */
  chains: Set<string>;
  /** Rules in the nat table after the restore (the unchanged chains a partial sync leaves counted too). */
  natRules: number;
  filterRules: number;
  /** Service ports whose chains were written. */
  written: number;
  /**
   * False for a partial sync whose changes left every top-level rule as it
   * was: the restore then rewrites only per-service chains (no filter table,
   * no KUBE-SERVICES), which with iptables-legacy is most of the cost.
   */
  topLevelWritten: boolean;
}

/** The mark (bit 14, upstream's default --iptables-masquerade-bit). */
export const masqMark = "0x4000";

const q = (s: string) => `"${s.replace(/"/g, "'")}"`;

function proto(sp: ServicePortInfo): string {
  const p = sp.protocol.toLowerCase();
  return `-p ${p} -m ${p}`;
}

/** Renders the rules; see the module contract for partial syncs. */
export function buildProxyRules(input: ProxyRulesInput): ProxyRules {
  const nat = new Table();
  const filter = new Table();
  for (const c of fixedNatChains) nat.chain(c);
  for (const c of [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-FORWARD",
    "KUBE-NODEPORTS",
    "KUBE-PROXY-FIREWALL",
  ])
    filter.chain(c);

  nat.add("KUBE-POSTROUTING", `-m mark ! --mark ${masqMark}/${masqMark} -j RETURN`);
  nat.add("KUBE-POSTROUTING", `-j MARK --xor-mark ${masqMark}`);
  nat.add(
    "KUBE-POSTROUTING",
    `-m comment --comment ${q("kubernetes service traffic requiring SNAT")} -j MASQUERADE --random-fully`,
  );
  nat.add("KUBE-MARK-MASQ", `-j MARK --or-mark ${masqMark}`);
  filter.add("KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
  filter.add(
    "KUBE-FORWARD",
    `-m comment --comment ${q("kubernetes forwarding rules")} -m mark --mark ${masqMark}/${masqMark} -j ACCEPT`,
  );
  filter.add(
    "KUBE-FORWARD",
    `-m comment --comment ${q("kubernetes forwarding conntrack rule")} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  const wanted = new Set<string>();
  let written = 0;
  const sorted = [...input.servicePorts].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : 1,
  );
  const cache = input.blocks;
  let unwrittenNatRules = 0;
  const seen = new Set<string>();
  // Whether the fixed and top-level chains differ from what the last build
  // (restored into the kernel) left: if not, a partial sync leaves them be.
  let topChanged = !input.changed || !cache;
  // For topLevelDiff: the changed ports' top-level rules before and after.
  const diffMode = !!(input.topLevelDiff && input.changed && cache);
  const before = { nat: [] as string[], filter: [] as string[] };
  const after = { nat: [] as string[], filter: [] as string[] };
  for (const sp of sorted) {
    const id = `${sp.name}/${sp.protocol}`;
    seen.add(id);
    const write = !input.changed || input.changed.has(`${sp.namespace}/${sp.serviceName}`);
    const cached = cache?.get(id);
    if (!write && cached) {
      nat.reuse(cached.nat);
      filter.reuse(cached.filter);
      unwrittenNatRules += cached.chainRules;
      for (const c of cached.chains) wanted.add(c);
      continue;
    }
    if (write) written++;
    const eps = input.endpoints.get(id) ?? [];
    const [n0, f0] = [nat.mark(), filter.mark()];
    const own = new Set<string>();
    writeServicePort(sp, eps, input, nat, filter, own, write);
    for (const c of own) wanted.add(c);
    const lines = nat.since(n0);
    const top = lines.filter((l) => topLevel.some((t) => l.startsWith(t)));
    const block = {
      nat: top,
      filter: filter.since(f0),
      chains: [...own],
      chainRules: lines.length - top.length,
    };
    if (!cached || !sameLines(cached.nat, block.nat) || !sameLines(cached.filter, block.filter))
      topChanged = true;
    if (diffMode) {
      before.nat.push(...(cached?.nat ?? []));
      before.filter.push(...(cached?.filter ?? []));
      after.nat.push(...block.nat);
      after.filter.push(...block.filter);
    }
    cache?.set(id, block);
  }
  if (cache) {
    for (const [id, old] of cache) {
      if (seen.has(id)) continue;
      if (diffMode) {
        before.nat.push(...old.nat);
        before.filter.push(...old.filter);
      }
      cache.delete(id);
      topChanged = true;
    }
  }
  nat.add(
    "KUBE-SERVICES",
    `-m comment --comment ${q("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  );
  if (input.serviceCIDR) {
    filter.add(
      "KUBE-SERVICES",
      `-d ${input.serviceCIDR} -m comment --comment ${q("no service at this cluster IP and port")} -j REJECT --reject-with icmp-port-unreachable`,
    );
  }
  // Sorting only the stale chains: tens of thousands exist in a large cluster.
  for (const c of [...input.existingChains].filter((c) => !wanted.has(c)).sort()) {
    nat.chain(c);
    nat.deletes.push(`-X ${c}`);
  }
  const natRules = nat.ruleCount() + unwrittenNatRules;
  const filterRules = filter.ruleCount();
  let filterText = topChanged ? filter.render("filter") : "";
  if (!topChanged || diffMode) {
    // Only per-service chains: the restore skips the large top-level chains
    // (the reused blocks hold only top-level lines).
    nat.chains.splice(0, fixedNatChains.length);
    nat.keepOwn((l) => !isFixedNatRule(l));
  }
  if (topChanged && diffMode) {
    for (const l of topLevelDiffLines(before.nat, after.nat)) nat.raw(l);
    const filterDiff = topLevelDiffLines(before.filter, after.filter);
    filterText = filterDiff.length ? ["*filter", ...filterDiff, "COMMIT", ""].join("\n") : "";
  }
  return {
    restore: filterText + nat.render("nat"),
    topLevelWritten: topChanged,
    chains: wanted,
    natRules,
    filterRules,
    written,
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

function writeServicePort(
  sp: ServicePortInfo,
  all: readonly EndpointInfo[],
  input: ProxyRulesInput,
  nat: Table,
  filter: Table,
  wanted: Set<string>,
  write: boolean,
): void {
  const names = input.names;
  const svcChain = servicePortChain(sp.name, sp.protocol, names);
  const svlChain = serviceLocalChain(sp.name, sp.protocol, names);
  const extChain = externalChain(sp.name, sp.protocol, names);
  const clusterEps = usableEndpoints(all, false);
  const localEps = usableEndpoints(all, true);
  const internalEps = sp.internalPolicyLocal ? localEps : clusterEps;
  const externalEps = sp.externalPolicyLocal ? localEps : clusterEps;
  const external = usesExternalAddresses(sp);
  // Which chains this port needs: the cluster chain serves the cluster
  // policy; the local chain serves a Local policy.
  const needExt = external && externalEps.length > 0;
  const needSvc = clusterEps.length > 0 && (!sp.internalPolicyLocal || needExt);
  const needSvl = localEps.length > 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal);
  // loadBalancerSourceRanges: LB traffic passes KUBE-FW first; what it does
  // not DNAT is dropped by KUBE-PROXY-FIREWALL in the filter table.
  const usesFw = needExt && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  const fwChain = firewallChain(sp.name, sp.protocol, names);
  const internalChain = sp.internalPolicyLocal ? svlChain : svcChain;
  const externalPolicyChain = sp.externalPolicyLocal ? svlChain : svcChain;
  const dports = (port: number) => `${proto(sp)} --dport ${port}`;
  const hasEndpointsMsg = (why: string) => `-m comment --comment ${q(`${sp.name} ${why}`)}`;

  // Entry points.
  for (const ip of sp.clusterIPs) {
    if (internalEps.length > 0) {
      nat.add(
        "KUBE-SERVICES",
        `-m comment --comment ${q(`${sp.name} cluster IP`)} -d ${ip}/32 ${dports(sp.port)} -j ${internalChain}`,
      );
    } else {
      const why = clusterEps.length > 0 ? "has no local endpoints" : "has no endpoints";
      filter.add(
        "KUBE-SERVICES",
        `${hasEndpointsMsg(why)} -d ${ip}/32 ${dports(sp.port)} -j REJECT --reject-with icmp-port-unreachable`,
      );
    }
  }
  const noExternal = (match: string) => {
    // Upstream: REJECT when the service has no endpoints at all, DROP when
    // it has endpoints but none on this node for a Local policy.
    const none = clusterEps.length === 0;
    filter.add(
      "KUBE-EXTERNAL-SERVICES",
      `${hasEndpointsMsg(none ? "has no endpoints" : "has no local endpoints")} ${match} -j ${none ? "REJECT --reject-with icmp-port-unreachable" : "DROP"}`,
    );
  };
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    const kind = sp.externalIPs.includes(ip) ? "external IP" : "loadbalancer IP";
    const match = `-d ${ip}/32 ${dports(sp.port)}`;
    const lb = kind === "loadbalancer IP";
    if (needExt) {
      nat.add(
        "KUBE-SERVICES",
        `-m comment --comment ${q(`${sp.name} ${kind}`)} ${match} -j ${lb && usesFw ? fwChain : extChain}`,
      );
    } else noExternal(match);
    if (lb && usesFw) {
      filter.add(
        "KUBE-PROXY-FIREWALL",
        `-m comment --comment ${q(`${sp.name} traffic not accepted by ${fwChain}`)} ${match} -j DROP`,
      );
    }
  }
  if (sp.nodePort !== undefined) {
    if (needExt) {
      nat.add(
        "KUBE-NODEPORTS",
        `-m comment --comment ${q(sp.name)} ${dports(sp.nodePort)} -j ${extChain}`,
      );
    } else noExternal(`-m addrtype --dst-type LOCAL ${dports(sp.nodePort)}`);
  }

  // Per-service chains.
  const epChains = new Map<string, string>();
  const sepFor = (e: EndpointInfo) => {
    let c = epChains.get(e.endpoint);
    if (!c) epChains.set(e.endpoint, (c = endpointChain(sp.name, sp.protocol, e.endpoint, names)));
    return c;
  };
  const used: EndpointInfo[] = [];
  const use = (eps: readonly EndpointInfo[]) => {
    for (const e of eps) if (!used.includes(e)) used.push(e);
  };
  if (needSvc) {
    wanted.add(svcChain);
    use(clusterEps);
  }
  if (needSvl) {
    wanted.add(svlChain);
    use(localEps);
  }
  if (needExt) wanted.add(extChain);
  if (usesFw) wanted.add(fwChain);
  for (const e of used) wanted.add(sepFor(e));
  if (!write) return;

  if (usesFw) {
    nat.chain(fwChain);
    const lbComment = `-m comment --comment ${q(`${sp.name} loadbalancer IP`)}`;
    let allowFromNode = false;
    for (const cidr of sp.loadBalancerSourceRanges) {
      nat.add(fwChain, `${lbComment} -s ${cidr} -j ${extChain}`);
      if (input.nodeIP && cidrContains(cidr, input.nodeIP)) allowFromNode = true;
    }
    // A VIP-like LB address local to this node: the node's own requests
    // loop back with the LB IP as source.
    if (allowFromNode) {
      for (const ip of sp.loadBalancerIPs)
        nat.add(fwChain, `${lbComment} -s ${ip}/32 -j ${extChain}`);
    }
    nat.add(
      fwChain,
      `-m comment --comment ${q(`other traffic to ${sp.name} will be dropped by KUBE-PROXY-FIREWALL`)}`,
    );
  }

  if (needSvc) {
    nat.chain(svcChain);
    for (const ip of sp.clusterIPs) {
      const src = input.masqueradeAll
        ? ""
        : input.clusterCIDR
          ? `! -s ${input.clusterCIDR} `
          : null;
      if (src !== null) {
        nat.add(
          svcChain,
          `-m comment --comment ${q(`${sp.name} cluster IP`)} ${src}-d ${ip}/32 ${dports(sp.port)} -j KUBE-MARK-MASQ`,
        );
      }
    }
    writeBalancing(nat, svcChain, sp, clusterEps, sepFor, !!input.largeCluster);
  }
  if (needSvl) {
    nat.chain(svlChain);
    writeBalancing(nat, svlChain, sp, localEps, sepFor, !!input.largeCluster);
  }
  if (needExt) {
    nat.chain(extChain);
    if (sp.externalPolicyLocal) {
      if (input.clusterCIDR && clusterEps.length > 0) {
        nat.add(
          extChain,
          `-s ${input.clusterCIDR} -m comment --comment ${q(`pod traffic for ${sp.name} external destinations`)} -j ${svcChain}`,
        );
      }
      nat.add(
        extChain,
        `-m comment --comment ${q(`masquerade LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      );
      if (clusterEps.length > 0) {
        nat.add(
          extChain,
          `-m comment --comment ${q(`route LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
        );
      }
    } else {
      nat.add(
        extChain,
        `-m comment --comment ${q(`masquerade traffic for ${sp.name} external destinations`)} -j KUBE-MARK-MASQ`,
      );
    }
    nat.add(extChain, `-j ${externalPolicyChain}`);
  }
  const sepComment = input.largeCluster ? "" : `-m comment --comment ${q(sp.name)} `;
  for (const e of used) {
    const c = sepFor(e);
    nat.chain(c);
    nat.add(c, `${sepComment}-s ${e.ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.affinitySeconds !== undefined ? `-m recent --name ${c} --set ` : "";
    nat.add(c, `${sepComment}${affinity}${proto(sp)} -j DNAT --to-destination ${e.endpoint}`);
  }
}

/** Affinity checks first, then random-probability jumps (1/n, 1/(n-1), ..., 1). */
function writeBalancing(
  nat: Table,
  chain: string,
  sp: ServicePortInfo,
  eps: readonly EndpointInfo[],
  sepFor: (e: EndpointInfo) => string,
  large: boolean,
): void {
  const comment = (e: EndpointInfo) =>
    large ? "" : `-m comment --comment ${q(`${sp.name} -> ${e.endpoint}`)} `;
  if (sp.affinitySeconds !== undefined) {
    for (const e of eps) {
      const c = sepFor(e);
      nat.add(
        chain,
        `${comment(e)}-m recent --name ${c} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${c}`,
      );
    }
  }
  eps.forEach((e, i) => {
    const left = eps.length - i;
    const prob =
      left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)} ` : "";
    nat.add(chain, `${comment(e)}${prob}-j ${sepFor(e)}`);
  });
}

function ipv4Number(ip: string): number {
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

/** True when the IPv4 `cidr` contains `ip`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, len] = cidr.split("/");
  const bits = Number(len ?? 32);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4Number(base ?? "") & mask) >>> 0 === (ipv4Number(ip) & mask) >>> 0;
}
