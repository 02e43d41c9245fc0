/**
 * Where the API server dials a Service reference (webhooks, CRD conversion
 * webhooks): the first ready endpoint address of the service port (matched
 * by name, or the only port), else the ClusterIP on the service port, as
 * upstream's service resolver. Failures are the caller's error type.
 */
import type { KObject } from "../api/types.ts";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === "object" ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

export function serviceTarget(
  svc: KObject | undefined,
  endpoints: KObject | undefined,
  ref: { namespace: string; name: string; port: number },
  fail: (message: string) => Error,
): { host: string; port: number } {
  const { namespace, name, port } = ref;
  if (!svc) throw fail(`service "${name}" not found`);
  const spec = rec(svc.spec);
  const svcPort = list(spec.ports).find((p) => Number(p.port) === port);
  if (!svcPort) throw fail(`service "${name}" has no port ${port}`);
  for (const subset of list(endpoints?.subsets)) {
    const addr = list(subset.addresses)[0];
    const ports = list(subset.ports);
    const epPort =
      ports.find((p) => (p.name ?? "") === (svcPort.name ?? "")) ??
      (ports.length === 1 ? ports[0] : undefined);
    if (addr && typeof addr.ip === "string" && epPort)
      return { host: addr.ip, port: Number(epPort.port) };
  }
  const ip = spec.clusterIP;
  if (typeof ip === "string" && ip && ip !== "None") return { host: ip, port };
  throw fail(`service "${namespace}/${name}" has no endpoints`);
}
