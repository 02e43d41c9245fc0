/**
 * Tables for core/v1 kinds other than pods, events and storage: services,
 * endpoints, namespaces, nodes, secrets, configmaps, serviceaccounts,
 * componentstatuses (upstream v1.32 columns and cells; server-side tables
 * always carry the wide cells).
 */
import type {
  ComponentStatus,
  ConfigMap,
  Endpoints,
  Namespace,
  Node,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../types.ts";
import {
  ageColumn,
  ageOf,
  column,
  formatLabels,
  int,
  nameColumn,
  nameOf,
  wide,
  type RowPrinter,
} from "./format.ts";

/** Sorted, de-duplicated IPs (or hostnames) of load-balancer ingress points. */
export function loadBalancerIngress(
  ingress: Array<{ ip?: string; hostname?: string }> | undefined,
): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(",");
}

function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIngress(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) {
        return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      }
      return lb || "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function servicePorts(svc: Service): string {
  const pieces = (svc.spec?.ports ?? []).map((p) => {
    const protocol = p.protocol ?? "TCP";
    return p.nodePort && p.nodePort > 0
      ? `${int(p.port)}:${p.nodePort}/${protocol}`
      : `${int(p.port)}/${protocol}`;
  });
  return pieces.length > 0 ? pieces.join(",") : "<none>";
}

export const servicePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Type", "string", "Type determines how the Service is exposed."),
    column("Cluster-IP", "string", "The IP address of the service; usually assigned randomly."),
    column(
      "External-IP",
      "string",
      "IP addresses for which nodes in the cluster will also accept traffic for this service.",
    ),
    column("Port(s)", "string", "The list of ports that are exposed by this service."),
    ageColumn(),
    wide(
      "Selector",
      "Route service traffic to pods with label keys and values matching this selector.",
    ),
  ],
  row(obj: KObject, now: Date) {
    const svc = obj as Service;
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? (svc.spec?.clusterIP || "<none>");
    return [
      nameOf(obj),
      svc.spec?.type ?? "ClusterIP",
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(svc),
      ageOf(obj, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

const joinHostPort = (host: string, port: number) =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/** Upstream formatEndpoints: up to 3 addresses, then "+ N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, int(port.port)));
      }
    }
  }
  const joined = list.join(",");
  return more ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Endpoints", "string", "The set of all endpoints is the union of all subsets."),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    return [nameOf(obj), formatEndpoints(obj as Endpoints), ageOf(obj, now)];
  },
};

export const namespacePrinter: RowPrinter = {
  columns: [nameColumn(), column("Status", "string", "The status of the namespace"), ageColumn()],
  row(obj: KObject, now: Date) {
    return [nameOf(obj), (obj as Namespace).status?.phase ?? "", ageOf(obj, now)];
  },
};

/** Roles from node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v !== "") {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/** The node STATUS cell: Ready / NotReady / Unknown, plus ",SchedulingDisabled". */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  let ready: { status?: string } | undefined;
  for (const c of node.status?.conditions ?? []) if (c.type === "Ready") ready = c;
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

function nodeAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn(),
    column("Version", "string", "Kubelet Version reported by the node."),
    wide("Internal-IP", "List of addresses reachable to the node."),
    wide("External-IP", "List of addresses reachable to the node."),
    wide(
      "OS-Image",
      "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    wide(
      "Kernel-Version",
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    wide(
      "Container-Runtime",
      "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    ),
  ],
  row(obj: KObject, now: Date) {
    const node = obj as Node;
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(node.metadata?.labels).join(",");
    return [
      nameOf(obj),
      nodeStatus(node),
      roles || "<none>",
      ageOf(obj, now),
      info?.kubeletVersion ?? "",
      nodeAddress(node, "InternalIP"),
      nodeAddress(node, "ExternalIP"),
      info?.osImage || "<unknown>",
      info?.kernelVersion || "<unknown>",
      info?.containerRuntimeVersion || "<unknown>",
    ];
  },
};

export const secretPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Type", "string", "Used to facilitate programmatic handling of secret data."),
    column("Data", "string", "Data contains the secret data."),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const s = obj as Secret;
    return [nameOf(obj), s.type ?? "", Object.keys(s.data ?? {}).length, ageOf(obj, now)];
  },
};

export const configMapPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Data", "string", "Data contains the configuration data."),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const cm = obj as ConfigMap;
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [nameOf(obj), count, ageOf(obj, now)];
  },
};

export const serviceAccountPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Secrets",
      "string",
      "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    return [nameOf(obj), ((obj as ServiceAccount).secrets ?? []).length, ageOf(obj, now)];
  },
};

export const componentStatusPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "Status of the component conditions"),
    column("Message", "string", "Message of the component conditions"),
    column("Error", "string", "Error of the component conditions"),
  ],
  row(obj: KObject) {
    const healthy = ((obj as ComponentStatus).conditions ?? []).find((c) => c.type === "Healthy");
    const status = healthy ? (healthy.status === "True" ? "Healthy" : "Unhealthy") : "Unknown";
    return [nameOf(obj), status, healthy?.message ?? "", healthy?.error ?? ""];
  },
};
