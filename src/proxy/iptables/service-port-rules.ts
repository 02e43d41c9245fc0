/**
 * One service port's iptables rules, as upstream's iptables mode lays them
 * out: its entry rules in the top-level chains (nat KUBE-SERVICES and
 * KUBE-NODEPORTS; filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES and
 * KUBE-PROXY-FIREWALL for rejects and drops) and its own nat chains
 * (KUBE-SVC/SVL/EXT/FW and one KUBE-SEP per endpoint). Pure: same input,
 * same lines. A port's own chains jump only to each other and to
 * KUBE-MARK-MASQ, so they can be written in any restore batch before the
 * top-level rules that jump to them.
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

/** The node-wide settings the rules of every service port depend on. */
export interface PortRuleOptions {
  /** Pod traffic (from this CIDR) to a ClusterIP is not masqueraded. */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  /**
   * This node's IP: when a loadBalancerSourceRanges CIDR contains it, traffic
   * from the node that loops back with a load balancer IP as source is allowed.
   */
  nodeIP?: string;
  /** Upstream's large-cluster mode: endpoint rules carry no comments. */
  largeCluster?: boolean;
  /** Chain-name hashes kept between syncs (optional). */
  names?: ChainNameCache;
}

/** A service port's rules outside its own chains, and the chains it owns. */
export interface RuleBlock {
  /** `-A KUBE-SERVICES ...` / `-A KUBE-NODEPORTS ...` lines (nat). */
  nat: string[];
  /** Its lines in the filter table's chains. */
  filter: string[];
  /** Its own nat chains. */
  chains: string[];
  /** How many rules its own chains hold. */
  chainRules: number;
}

/** A rendered service port: the block, plus the `-A` lines of its own chains. */
export interface PortRules {
  block: RuleBlock;
  chainLines: string[];
}

/** The mark (bit 14, upstream's default --iptables-masquerade-bit). */
export const masqMark = "0x4000";

/** A quoted iptables comment argument. */
export const quote = (s: string) => `"${s.replace(/"/g, "'")}"`;

function proto(sp: ServicePortInfo): string {
  const p = sp.protocol.toLowerCase();
  return `-p ${p} -m ${p}`;
}

/** Renders one service port given all its endpoints (usable ones are picked here). */
export function servicePortRules(
  sp: ServicePortInfo,
  all: readonly EndpointInfo[],
  opts: PortRuleOptions,
): PortRules {
  const names = opts.names;
  const q = quote;
  const nat: string[] = [];
  const filter: string[] = [];
  const own: string[] = [];
  const chains: string[] = [];
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
  const add = (to: string[], chain: string, rule: string) => to.push(`-A ${chain} ${rule}`);

  // Entry points.
  for (const ip of sp.clusterIPs) {
    if (internalEps.length > 0) {
      add(
        nat,
        "KUBE-SERVICES",
        `-m comment --comment ${q(`${sp.name} cluster IP`)} -d ${ip}/32 ${dports(sp.port)} -j ${internalChain}`,
      );
    } else {
      const why = clusterEps.length > 0 ? "has no local endpoints" : "has no endpoints";
      add(
        filter,
        "KUBE-SERVICES",
        `${hasEndpointsMsg(why)} -d ${ip}/32 ${dports(sp.port)} -j REJECT --reject-with icmp-port-unreachable`,
      );
    }
  }
  const noExternal = (match: string) => {
    // Upstream: REJECT when the service has no endpoints at all, DROP when
    // it has endpoints but none on this node for a Local policy.
    const none = clusterEps.length === 0;
    add(
      filter,
      "KUBE-EXTERNAL-SERVICES",
      `${hasEndpointsMsg(none ? "has no endpoints" : "has no local endpoints")} ${match} -j ${none ? "REJECT --reject-with icmp-port-unreachable" : "DROP"}`,
    );
  };
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    const kind = sp.externalIPs.includes(ip) ? "external IP" : "loadbalancer IP";
    const match = `-d ${ip}/32 ${dports(sp.port)}`;
    const lb = kind === "loadbalancer IP";
    if (needExt) {
      add(
        nat,
        "KUBE-SERVICES",
        `-m comment --comment ${q(`${sp.name} ${kind}`)} ${match} -j ${lb && usesFw ? fwChain : extChain}`,
      );
    } else noExternal(match);
    if (lb && usesFw) {
      add(
        filter,
        "KUBE-PROXY-FIREWALL",
        `-m comment --comment ${q(`${sp.name} traffic not accepted by ${fwChain}`)} ${match} -j DROP`,
      );
    }
  }
  if (sp.nodePort !== undefined) {
    if (needExt) {
      add(
        nat,
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
  const used = new Set<EndpointInfo>([
    ...(needSvc ? clusterEps : []),
    ...(needSvl ? localEps : []),
  ]);

  if (usesFw) {
    chains.push(fwChain);
    const lbComment = `-m comment --comment ${q(`${sp.name} loadbalancer IP`)}`;
    let allowFromNode = false;
    for (const cidr of sp.loadBalancerSourceRanges) {
      add(own, fwChain, `${lbComment} -s ${cidr} -j ${extChain}`);
      if (opts.nodeIP && cidrContains(cidr, opts.nodeIP)) allowFromNode = true;
    }
    // A VIP-like LB address local to this node: the node's own requests
    // loop back with the LB IP as source.
    if (allowFromNode) {
      for (const ip of sp.loadBalancerIPs)
        add(own, fwChain, `${lbComment} -s ${ip}/32 -j ${extChain}`);
    }
    add(
      own,
      fwChain,
      `-m comment --comment ${q(`other traffic to ${sp.name} will be dropped by KUBE-PROXY-FIREWALL`)}`,
    );
  }
  if (needSvc) {
    chains.push(svcChain);
    const src = opts.masqueradeAll ? "" : opts.clusterCIDR ? `! -s ${opts.clusterCIDR} ` : null;
    for (const ip of sp.clusterIPs) {
      if (src === null) continue;
      add(
        own,
        svcChain,
        `-m comment --comment ${q(`${sp.name} cluster IP`)} ${src}-d ${ip}/32 ${dports(sp.port)} -j KUBE-MARK-MASQ`,
      );
    }
    balance(own, svcChain, sp, clusterEps, sepFor, !!opts.largeCluster);
  }
  if (needSvl) {
    chains.push(svlChain);
    balance(own, svlChain, sp, localEps, sepFor, !!opts.largeCluster);
  }
  if (needExt) {
    chains.push(extChain);
    if (sp.externalPolicyLocal) {
      if (opts.clusterCIDR && clusterEps.length > 0) {
        add(
          own,
          extChain,
          `-s ${opts.clusterCIDR} -m comment --comment ${q(`pod traffic for ${sp.name} external destinations`)} -j ${svcChain}`,
        );
      }
      add(
        own,
        extChain,
        `-m comment --comment ${q(`masquerade LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      );
      if (clusterEps.length > 0) {
        add(
          own,
          extChain,
          `-m comment --comment ${q(`route LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
        );
      }
    } else {
      add(
        own,
        extChain,
        `-m comment --comment ${q(`masquerade traffic for ${sp.name} external destinations`)} -j KUBE-MARK-MASQ`,
      );
    }
    add(own, extChain, `-j ${externalPolicyChain}`);
  }
  const sepComment = opts.largeCluster ? "" : `-m comment --comment ${q(sp.name)} `;
  for (const e of used) {
    const c = sepFor(e);
    chains.push(c);
    add(own, c, `${sepComment}-s ${e.ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.affinitySeconds !== undefined ? `-m recent --name ${c} --set ` : "";
    add(own, c, `${sepComment}${affinity}${proto(sp)} -j DNAT --to-destination ${e.endpoint}`);
  }
  return { block: { nat, filter, chains, chainRules: own.length }, chainLines: own };
}

/** Affinity checks first, then random-probability jumps (1/n, 1/(n-1), ..., 1). */
function balance(
  out: string[],
  chain: string,
  sp: ServicePortInfo,
  eps: readonly EndpointInfo[],
  sepFor: (e: EndpointInfo) => string,
  large: boolean,
): void {
  const comment = (e: EndpointInfo) =>
    large ? "" : `-m comment --comment ${quote(`${sp.name} -> ${e.endpoint}`)} `;
  if (sp.affinitySeconds !== undefined) {
    for (const e of eps) {
      const c = sepFor(e);
      out.push(
        `-A ${chain} ${comment(e)}-m recent --name ${c} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${c}`,
      );
    }
  }
  eps.forEach((e, i) => {
    const left = eps.length - i;
    const prob =
      left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)} ` : "";
    out.push(`-A ${chain} ${comment(e)}${prob}-j ${sepFor(e)}`);
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
