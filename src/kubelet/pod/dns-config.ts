/**
 * The pod's resolv.conf as upstream's kubelet dns.Configurer.GetPodDNS
 * computes it from dnsPolicy:
 *
 *   ClusterFirst (default)     cluster DNS servers, search
 *                              `<ns>.svc.<domain> svc.<domain> <domain>` + the
 *                              host's searches, ndots:5; pods on the host
 *                              network (and kubelets without --cluster-dns)
 *                              fall back to Default
 *   ClusterFirstWithHostNet    ClusterFirst, also for host-network pods
 *   Default                    the host's resolv.conf
 *   None                       only spec.dnsConfig
 *
 * spec.dnsConfig is merged on top: nameservers and searches appended
 * (duplicates dropped), options replacing those of the same name.
 */
import { readFileSync } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1.d.ts";

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodDnsOptions {
  /** kubelet --cluster-dns. */
  clusterDNS?: string[];
  /** kubelet --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** The host's resolv.conf (kubelet --resolv-conf), parsed; absent: empty. */
  host?: DnsConfig;
}

/** Upstream's limits: 3 nameservers, 32 search domains. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/** The host's resolv.conf (kubelet --resolv-conf; "" or unreadable: none). */
export function readResolvConf(path: string): DnsConfig | undefined {
  if (!path) return undefined;
  try {
    return parseResolvConf(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Parses resolv.conf text (nameserver, search/domain, options lines). */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...values] = line.split(/\s+/);
    if (key === "nameserver" && values[0]) out.servers.push(values[0]);
    if (key === "search" || key === "domain") out.searches = values.filter(Boolean);
    if (key === "options") out.options.push(...values.filter(Boolean));
  }
  return out;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Options merged by name ("ndots:5" replaces "ndots:1"), in first-seen order. */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) byName.set(o.split(":")[0], o);
  return [...byName.values()];
}

/**
 * The sandbox DNS config of a pod; undefined means the runtime's default
 * (the host's resolv.conf), used for Default when there is nothing to merge.
 */
export function podDnsConfig(pod: Pod, opts: PodDnsOptions): DnsConfig | undefined {
  const spec = pod.spec!;
  const ns = pod.metadata?.namespace ?? "default";
  const domain = (opts.clusterDomain ?? "cluster.local").replace(/\.$/, "");
  let policy = spec.dnsPolicy ?? "ClusterFirst";
  if (policy === "ClusterFirst" && spec.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  if (policy === "ClusterFirst" && !opts.clusterDNS?.length) policy = "Default";
  const host = opts.host ?? { servers: [], searches: [], options: [] };

  let base: DnsConfig;
  if (policy === "None") base = { servers: [], searches: [], options: [] };
  else if (policy === "ClusterFirst") {
    base = {
      servers: [...opts.clusterDNS!],
      searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches],
      options: ["ndots:5"],
    };
  } else {
    if (!spec.dnsConfig) return undefined;
    base = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  }
  const extra = spec.dnsConfig;
  const options = (extra?.options ?? []).map((o) =>
    o.value !== undefined && o.value !== "" ? `${o.name}:${o.value}` : (o.name ?? ""),
  );
  return {
    servers: unique([...base.servers, ...(extra?.nameservers ?? [])]).slice(0, MAX_NAMESERVERS),
    searches: unique([...base.searches, ...(extra?.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: mergeOptions(base.options, options.filter(Boolean)),
  };
}
