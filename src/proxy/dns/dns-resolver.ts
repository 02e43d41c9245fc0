/**
 * The answers of the cluster DNS, as CoreDNS's kubernetes plugin gives
 * them (schema of the Kubernetes DNS specification):
 *
 *   <svc>.<ns>.svc.<zone>              A/AAAA: the cluster IP, or every ready
 *                                      endpoint of a headless service;
 *                                      CNAME for ExternalName services
 *   <host>.<svc>.<ns>.svc.<zone>       A/AAAA of the endpoint whose hostname
 *                                      (or dashed IP) is <host>
 *   _<port>._<proto>.<svc>.<ns>.svc... SRV per named port (one per endpoint
 *                                      for headless services)
 *   <a-b-c-d>.<ns>.pod.<zone>          A (pods "insecure" mode: the IP in the name)
 *   PTR in in-addr.arpa / ip6.arpa     service cluster IPs and endpoint IPs
 *
 * Unknown names are NXDOMAIN, known names without records of the asked type
 * NOERROR/NODATA, both with the zone's SOA. Names outside the zone and the
 * reverse zones are REFUSED: this server never forwards a query.
 *
 * One addition to CoreDNS: a bare `<svc>.<ns>` naming an existing service
 * answers with a CNAME to its cluster name (and that name's records), so
 * resolvers that ignore the search path (busybox >= 1.28 `nslookup
 * kubernetes.default`) still find it. Other bare names stay REFUSED.
 */
import { isIP } from "node:net";
import type { Answer, RecordType, SoaData } from "dns-packet";
import type { ClusterLookup, EndpointInfo, ServiceInfo } from "./cluster-lookup.ts";

export type Rcode = "NOERROR" | "FORMERR" | "SERVFAIL" | "NXDOMAIN" | "NOTIMP" | "REFUSED";

export const RCODE_NUMBER: Record<Rcode, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};

export interface Resolution {
  rcode: Rcode;
  /** True when this server is authoritative for the name (cluster zone or reverse zones). */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ResolverOptions {
  /** The cluster domain (default cluster.local). */
  zone?: string;
  /** TTL of every record (CoreDNS default 5 s). */
  ttl?: number;
  /** SOA serial (CoreDNS uses the time the zone was last changed). */
  serial?: number;
}

const REVERSE_V4 = "in-addr.arpa";
const REVERSE_V6 = "ip6.arpa";

/** The dashed form of an IP used in DNS labels (10.1.2.3 → 10-1-2-3, fd00::1 → fd00--1). */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, "-");
}

/** Turns a dashed label back into an IP (undefined when it is not one). */
export function undashIP(label: string): string | undefined {
  const v4 = label.replace(/-/g, ".");
  if (isIP(v4) === 4) return v4;
  const v6 = label.replace(/-/g, ":");
  return isIP(v6) === 6 ? v6 : undefined;
}

/** The IP of a reverse name (1.0.43.10.in-addr.arpa → 10.43.0.1), or undefined. */
export function reverseToIP(name: string): string | undefined {
  if (name.endsWith(`.${REVERSE_V4}`)) {
    const parts = name.slice(0, -REVERSE_V4.length - 1).split(".");
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join(".");
    return isIP(ip) === 4 ? ip : undefined;
  }
  if (name.endsWith(`.${REVERSE_V6}`)) {
    const nibbles = name.slice(0, -REVERSE_V6.length - 1).split(".");
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join("");
    const ip = hex.match(/.{4}/g)!.join(":");
    return isIP(ip) === 6 ? ip : undefined;
  }
  return undefined;
}

function familyOf(ip: string): "A" | "AAAA" | undefined {
  const v = isIP(ip);
  return v === 4 ? "A" : v === 6 ? "AAAA" : undefined;
}

/** Answers DNS questions from a ClusterLookup; pure apart from reading the lookup. */
export class DnsResolver {
  readonly zone: string;
  readonly #lookup: ClusterLookup;
  readonly #ttl: number;
  readonly #serial: number;

  constructor(lookup: ClusterLookup, opts: ResolverOptions = {}) {
    this.#lookup = lookup;
    this.zone = (opts.zone ?? "cluster.local").toLowerCase().replace(/\.$/, "");
    this.#ttl = opts.ttl ?? 5;
    this.#serial = opts.serial ?? 1;
  }

  /** The answer to one question. */
  resolve(qname: string, qtype: RecordType | string): Resolution {
    const name = qname.toLowerCase().replace(/\.$/, "");
    if (name === this.zone || name.endsWith(`.${this.zone}`)) return this.#inZone(name, qtype);
    if (name.endsWith(`.${REVERSE_V4}`) || name.endsWith(`.${REVERSE_V6}`))
      return this.#reverse(name, qtype);
    return (
      this.#bareService(name, qtype) ?? {
        rcode: "REFUSED",
        authoritative: false,
        answers: [],
        authorities: [],
        additionals: [],
      }
    );
  }

  /** `<svc>.<ns>` of an existing service: CNAME to the cluster name plus its records. */
  #bareService(name: string, qtype: string): Resolution | undefined {
    const labels = name.split(".");
    if (labels.length !== 2 || !this.#lookup.service(labels[1], labels[0])) return undefined;
    const target = `${name}.svc.${this.zone}`;
    const cname: Answer = { type: "CNAME", name, ttl: this.#ttl, class: "IN", data: target };
    if (qtype === "CNAME") return { ...this.#result("NOERROR", [cname]), authoritative: false };
    const res = this.#inZone(target, qtype);
    return {
      ...res,
      authoritative: false,
      answers: [cname, ...res.answers],
      authorities: [],
    };
  }

  #soa(): Answer {
    const data: SoaData = {
      mname: `ns.dns.${this.zone}`,
      rname: `hostmaster.${this.zone}`,
      serial: this.#serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: this.#ttl,
    };
    return { type: "SOA", name: this.zone, ttl: this.#ttl, class: "IN", data };
  }

  #result(rcode: Rcode, answers: Answer[], additionals: Answer[] = []): Resolution {
    const empty = answers.length === 0;
    return {
      rcode,
      authoritative: true,
      answers,
      authorities: empty ? [this.#soa()] : [],
      additionals,
    };
  }

  #address(name: string, ip: string): Answer | undefined {
    const type = familyOf(ip);
    return type ? ({ type, name, ttl: this.#ttl, class: "IN", data: ip } as Answer) : undefined;
  }

  #inZone(name: string, qtype: string): Resolution {
    if (name === this.zone) {
      if (qtype === "SOA") return this.#result("NOERROR", [this.#soa()]);
      if (qtype === "NS") {
        const ns = `ns.dns.${this.zone}`;
        return this.#result("NOERROR", [
          { type: "NS", name, ttl: this.#ttl, class: "IN", data: ns },
        ]);
      }
      return this.#result("NOERROR", []);
    }
    const labels = name.slice(0, -this.zone.length - 1).split(".");
    const kind = labels[labels.length - 1];
    if (kind === "svc") return this.#service(name, labels.slice(0, -1), qtype);
    if (kind === "pod") return this.#pod(name, labels.slice(0, -1), qtype);
    return this.#result("NXDOMAIN", []);
  }

  #pod(name: string, labels: string[], qtype: string): Resolution {
    if (labels.length === 1)
      return this.#result(this.#lookup.hasNamespace(labels[0]) ? "NOERROR" : "NXDOMAIN", []);
    if (labels.length !== 2) return this.#result("NXDOMAIN", []);
    const ip = undashIP(labels[0]);
    if (!ip) return this.#result("NXDOMAIN", []);
    const record = this.#address(name, ip)!;
    return this.#result("NOERROR", record.type === qtype ? [record] : []);
  }

  #service(name: string, labels: string[], qtype: string): Resolution {
    if (labels.length === 0) return this.#result("NOERROR", []);
    const ns = labels[labels.length - 1];
    if (labels.length === 1)
      return this.#result(this.#lookup.hasNamespace(ns) ? "NOERROR" : "NXDOMAIN", []);
    const svcName = labels[labels.length - 2];
    const svc = this.#lookup.service(ns, svcName);
    if (!svc) return this.#result("NXDOMAIN", []);
    const svcFqdn = `${svcName}.${ns}.svc.${this.zone}`;
    if (labels.length === 2) return this.#serviceRecords(name, svc, svcFqdn, qtype);
    if (labels.length === 3) return this.#endpointRecords(name, svc, labels[0], qtype);
    if (labels.length === 4 && labels[0].startsWith("_") && labels[1].startsWith("_"))
      return this.#srvRecords(svc, svcFqdn, labels[0].slice(1), labels[1].slice(1), qtype);
    return this.#result("NXDOMAIN", []);
  }

  /** The service's ready endpoints, one per address (what headless names answer with). */
  #ready(svc: ServiceInfo): EndpointInfo[] {
    const seen = new Set<string>();
    return this.#lookup.endpoints(svc.namespace, svc.name).filter((e) => {
      if (!e.ready || seen.has(e.address)) return false;
      seen.add(e.address);
      return true;
    });
  }

  #serviceRecords(name: string, svc: ServiceInfo, fqdn: string, qtype: string): Resolution {
    if (svc.type === "ExternalName") {
      const target = (svc.externalName ?? "").replace(/\.$/, "");
      if (!target) return this.#result("NOERROR", []);
      const cname: Answer = { type: "CNAME", name, ttl: this.#ttl, class: "IN", data: target };
      return this.#result("NOERROR", [cname]);
    }
    if (qtype === "SRV") return this.#srvRecords(svc, fqdn, undefined, undefined, qtype);
    const headless = svc.clusterIP === "None";
    const ips = headless ? this.#ready(svc).map((e) => e.address) : svc.clusterIPs;
    const answers = ips
      .map((ip) => this.#address(name, ip))
      .filter((a): a is Answer => a !== undefined && a.type === qtype);
    return this.#result("NOERROR", answers);
  }

  #endpointRecords(name: string, svc: ServiceInfo, host: string, qtype: string): Resolution {
    const matches = this.#ready(svc).filter(
      (e) => (e.hostname ?? dashedIP(e.address)) === host || dashedIP(e.address) === host,
    );
    if (matches.length === 0) return this.#result("NXDOMAIN", []);
    const answers = matches
      .map((e) => this.#address(name, e.address))
      .filter((a): a is Answer => a !== undefined && a.type === qtype);
    return this.#result("NOERROR", answers);
  }

  /** SRV for one named port (or all named ports when port is undefined). */
  #srvRecords(
    svc: ServiceInfo,
    fqdn: string,
    port: string | undefined,
    proto: string | undefined,
    qtype: string,
  ): Resolution {
    const wanted = svc.ports.filter(
      (p) =>
        p.name !== undefined &&
        (port === undefined || p.name === port) &&
        (proto === undefined || (p.protocol ?? "TCP").toLowerCase() === proto),
    );
    if (port !== undefined && wanted.length === 0) return this.#result("NXDOMAIN", []);
    if (qtype !== "SRV") return this.#result("NOERROR", []);
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const owner = (p: { name?: string; protocol?: string }) =>
      `_${p.name}._${(p.protocol ?? "TCP").toLowerCase()}.${fqdn}`;
    if (svc.clusterIP === "None") {
      const endpoints = this.#ready(svc);
      for (const p of wanted) {
        const withPort = endpoints.filter((e) => e.ports.some((ep) => ep.name === p.name));
        const weight = withPort.length > 0 ? Math.floor(100 / withPort.length) : 100;
        for (const e of withPort) {
          const target = `${e.hostname ?? dashedIP(e.address)}.${fqdn}`;
          const ep = e.ports.find((x) => x.name === p.name)!;
          answers.push({
            type: "SRV",
            name: owner(p),
            ttl: this.#ttl,
            class: "IN",
            data: { priority: 0, weight, port: ep.port, target },
          });
          const a = this.#address(target, e.address);
          if (a) additionals.push(a);
        }
      }
    } else {
      for (const p of wanted) {
        answers.push({
          type: "SRV",
          name: owner(p),
          ttl: this.#ttl,
          class: "IN",
          data: { priority: 0, weight: 100, port: p.port, target: fqdn },
        });
      }
      for (const ip of svc.clusterIPs) {
        const a = this.#address(fqdn, ip);
        if (a && answers.length > 0) additionals.push(a);
      }
    }
    return this.#result("NOERROR", answers, additionals);
  }

  #reverse(name: string, qtype: string): Resolution {
    const ip = reverseToIP(name);
    if (!ip) return this.#result("NXDOMAIN", []);
    const targets = new Set<string>();
    for (const svc of this.#lookup.servicesByClusterIP(ip))
      targets.add(`${svc.name}.${svc.namespace}.svc.${this.zone}`);
    for (const { service, endpoint } of this.#lookup.endpointsByIP(ip)) {
      const host = endpoint.hostname ?? dashedIP(endpoint.address);
      targets.add(`${host}.${service.name}.${service.namespace}.svc.${this.zone}`);
    }
    if (targets.size === 0) return this.#result("NXDOMAIN", []);
    const answers: Answer[] =
      qtype === "PTR"
        ? [...targets].map((t) => ({ type: "PTR", name, ttl: this.#ttl, class: "IN", data: t }))
        : [];
    return this.#result("NOERROR", answers);
  }
}
