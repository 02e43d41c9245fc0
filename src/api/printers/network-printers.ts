/**
 * Tables for networking kinds: ingresses, ingressclasses, networkpolicies,
 * endpointslices (upstream v1.32 columns and cells).
 */
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import type {
  Ingress,
  IngressClass,
  IngressRule,
  NetworkPolicy,
} from "kubernetes-types/networking/v1.d.ts";
import type { KObject } from "../types.ts";
import { formatLabelSelector } from "../selectors/label-selector.ts";
import { loadBalancerIngress } from "./core-printers.ts";
import {
  ageColumn,
  ageOf,
  column,
  listWithMore,
  nameColumn,
  nameOf,
  type RowPrinter,
} from "./format.ts";

/** Upstream formatHosts: up to 3 hosts, "*" when none. */
export function formatHosts(rules: IngressRule[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  const all = rules ?? [];
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const joined = list.join(",");
  return more ? `${joined} + ${all.length - max} more...` : joined;
}

export const ingressPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Class",
      "string",
      "The name of the IngressClass resource that should be used for additional configuration",
    ),
    column(
      "Hosts",
      "string",
      "Hosts that incoming requests are matched against before the ingress rule",
    ),
    column(
      "Address",
      "string",
      "Address is a list containing ingress points for the load-balancer",
    ),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const ing = obj as Ingress;
    return [
      nameOf(obj),
      ing.spec?.ingressClassName ?? "<none>",
      formatHosts(ing.spec?.rules),
      loadBalancerIngress(ing.status?.loadBalancer?.ingress),
      (ing.spec?.tls ?? []).length > 0 ? "80, 443" : "80",
      ageOf(obj, now),
    ];
  },
};

export const ingressClassPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const ic = obj as IngressClass;
    const p = ic.spec?.parameters;
    let parameters = "<none>";
    if (p) {
      parameters =
        p.kind + (p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : "");
      parameters += `/${p.name}`;
    }
    return [nameOf(obj), ic.spec?.controller ?? "", parameters, ageOf(obj, now)];
  },
};

export const networkPolicyPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Pod-Selector",
      "string",
      "Selects the pods to which this NetworkPolicy object applies.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const np = obj as NetworkPolicy;
    return [nameOf(obj), formatLabelSelector(np.spec?.podSelector ?? {}), ageOf(obj, now)];
  },
};

export const endpointSlicePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "AddressType",
      "string",
      "addressType specifies the type of address carried by this EndpointSlice.",
    ),
    column(
      "Ports",
      "string",
      "ports specifies the list of network ports exposed by each endpoint in this slice.",
    ),
    column("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const es = obj as unknown as EndpointSlice;
    const ports = (es.ports ?? []).map((p) =>
      p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? "*"),
    );
    const addresses = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [
      nameOf(obj),
      es.addressType ?? "",
      listWithMore(ports, 3),
      listWithMore(addresses, 3),
      ageOf(obj, now),
    ];
  },
};
