/**
 * The service checks of upstream's APIService availability controller, run
 * before the discovery check: the Service must exist and, for ClusterIP
 * services, listen on the APIService's port and have an endpoint address
 * with that port's name. Reasons and messages are upstream's
 * (ServiceNotFound, ServicePortError, EndpointsNotFound, MissingEndpoints).
 */
import type { KObject } from "../../api/types.ts";
import type { ServerContext } from "../context.ts";

type Rec = Record<string, unknown>;
const list = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

/** Why the APIService's service cannot serve it, or undefined when it may. */
export async function serviceProblem(
  server: ServerContext,
  apiService: KObject,
): Promise<{ reason: string; message: string } | undefined> {
  const ref = ((apiService.spec as Rec)?.service ?? {}) as Rec;
  const ns = String(ref.namespace ?? "");
  const name = String(ref.name ?? "");
  const port = Number(ref.port ?? 443);
  const get = (resource: string) =>
    server.store.tryGet(server.registry.get("", "v1", resource)!, ns, name);
  const svc = await get("services");
  if (!svc)
    return { reason: "ServiceNotFound", message: `service/${name} in "${ns}" is not present` };
  const spec = (svc.spec ?? {}) as Rec;
  if ((spec.type ?? "ClusterIP") !== "ClusterIP") return undefined;
  const svcPort = list(spec.ports).find((p) => Number(p.port) === port);
  if (!svcPort)
    return {
      reason: "ServicePortError",
      message: `service/${name} in "${ns}" is not listening on port ${port}`,
    };
  const eps = await get("endpoints");
  if (!eps)
    return {
      reason: "EndpointsNotFound",
      message: `cannot find endpoints for service/${name} in "${ns}"`,
    };
  const portName = String(svcPort.name ?? "");
  const active = list(eps.subsets).some(
    (s) =>
      list(s.addresses).length > 0 && list(s.ports).some((p) => String(p.name ?? "") === portName),
  );
  if (!active)
    return {
      reason: "MissingEndpoints",
      message: `endpoints for service/${name} in "${ns}" have no addresses with port name "${portName}"`,
    };
  return undefined;
}
