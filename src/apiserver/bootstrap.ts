/**
 * Objects every cluster has from the start, created idempotently: the
 * default, kube-system, kube-public and kube-node-lease namespaces, their
 * `default` ServiceAccounts and the two system priority classes.
 *
 * The service-account controller would make those accounts too, but only
 * once it runs: creating them here means a pod created right after /readyz
 * turns green is not refused by ServiceAccount admission for want of one.
 */
import { StatusError } from "../api/status.ts";
import type { KObject } from "../api/types.ts";
import type { ServerContext } from "./context.ts";
import { RestStore } from "./rest-store.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const SYSTEM_PRIORITY_CLASSES: KObject[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: 2000001000,
    description: "Used for system critical pods that must not be moved from their current node.",
    preemptionPolicy: "PreemptLowerPriority",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: 2000000000,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    preemptionPolicy: "PreemptLowerPriority",
  },
];

/** Creates what is missing; existing objects are left alone. */
export async function bootstrapCluster(server: ServerContext): Promise<void> {
  const rest = new RestStore(server);
  const opts = {
    dryRun: false,
    user: { username: "system:apiserver", groups: ["system:masters"] },
    subresource: "",
    fieldManager: "kube-apiserver",
  };
  const namespaces = server.registry.get("", "v1", "namespaces")!;
  const wanted: [typeof namespaces, KObject][] = SYSTEM_NAMESPACES.map((name) => [
    namespaces,
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    },
  ]);
  const pcs = server.registry.get("scheduling.k8s.io", "v1", "priorityclasses");
  if (pcs) for (const pc of SYSTEM_PRIORITY_CLASSES) wanted.push([pcs, structuredClone(pc)]);
  const ensure =
    ([def, obj]: [typeof namespaces, KObject]) =>
    async () => {
      const ns = obj.metadata!.namespace ?? "";
      if (await server.store.tryGet(def, ns, obj.metadata!.name!)) return;
      try {
        await rest.create(def, obj, opts);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === "AlreadyExists")) throw err;
      }
    };
  await Promise.all(wanted.map((w) => ensure(w)()));
  const accounts = server.registry.get("", "v1", "serviceaccounts");
  if (!accounts) return;
  await Promise.all(
    SYSTEM_NAMESPACES.map((namespace) =>
      ensure([
        accounts,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } },
      ])(),
    ),
  );
}
