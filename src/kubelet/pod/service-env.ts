/**
 * Service environment variables as upstream's kubelet (getServiceEnvVarMap +
 * envvars.FromServices): for each service with a cluster IP,
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORTNAME>`
 * and the Docker-link variables `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>`
 * (+ `_PROTO`, `_PORT`, `_ADDR`). Services of the pod's namespace count when
 * enableServiceLinks is true (the default); the master service `kubernetes`
 * of namespace default always counts, unless the pod's namespace has a
 * service of the same name.
 */
import type { Service } from "kubernetes-types/core/v1.d.ts";

/** Services in namespace default whose variables every pod gets. */
const masterServices = new Set(["kubernetes"]);

function envName(name: string): string {
  return name.replaceAll("-", "_").toUpperCase();
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== "None";
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The variables of the given services, in upstream's order per service. */
export function envFromServices(services: Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const s of services) {
    const ports = s.spec?.ports ?? [];
    if (!hasClusterIP(s) || ports.length === 0) continue;
    const ip = s.spec!.clusterIP!;
    const prefix = envName(s.metadata?.name ?? "");
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const p of ports)
      if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? "TCP").toUpperCase();
      const url = `${proto.toLowerCase()}://${hostPort(ip, p.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const pp = `${prefix}_PORT_${p.port}_${proto}`;
      out.push([pp, url]);
      out.push([`${pp}_PROTO`, proto.toLowerCase()]);
      out.push([`${pp}_PORT`, String(p.port)]);
      out.push([`${pp}_ADDR`, ip]);
    });
  }
  return out;
}

/**
 * The service variables a pod in `namespace` gets from `services` (all
 * namespaces, or at least the pod's and default), sorted by service name.
 */
export function serviceEnvVars(
  services: Service[],
  namespace: string,
  enableServiceLinks = true,
): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata?.name ?? "";
    const ns = s.metadata?.namespace ?? "default";
    if (ns === "default" && masterServices.has(name)) {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (ns === namespace && enableServiceLinks) chosen.set(name, s);
  }
  const sorted = [...chosen.keys()].sort().map((k) => chosen.get(k)!);
  return new Map(envFromServices(sorted));
}
