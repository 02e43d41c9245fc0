/**
 * The NodeRestriction admission plugin: a kubelet (system:node:NAME) may only
 * create or modify its own Node (without setting node-restriction.kubernetes.io/
 * labels), only create mirror pods bound to itself, only delete or update the
 * status of pods bound to itself, and only touch its own Lease.
 */
import { StatusError } from "../../api/status.ts";
import type { AdmissionPlugin } from "../../apiserver/pipeline.ts";
import { nodeNameOf } from "../authorizers/node.ts";

const forbidden = (msg: string) => new StatusError("Forbidden", msg, {});
const MIRROR = "kubernetes.io/config.mirror";
const RESTRICTED_PREFIX = "node-restriction.kubernetes.io/";

export function nodeRestrictionPlugin(): AdmissionPlugin {
  return {
    name: "NodeRestriction",
    validate(a) {
      const node = nodeNameOf(a.user);
      if (node === undefined) return;
      const who = `node "${node}"`;
      if (a.def.group === "" && a.def.resource === "nodes") {
        if (
          (a.name && a.name !== node) ||
          (a.object?.metadata?.name && a.object.metadata.name !== node)
        )
          throw forbidden(
            `${who} is not allowed to modify node "${a.name || a.object?.metadata?.name}"`,
          );
        const labels = a.object?.metadata?.labels ?? {};
        const old = a.oldObject?.metadata?.labels ?? {};
        for (const k of Object.keys(labels))
          if (k.startsWith(RESTRICTED_PREFIX) && labels[k] !== old[k])
            throw forbidden(`${who} is not allowed to modify labels: ${k}`);
        return;
      }
      if (a.def.group === "" && a.def.resource === "pods") {
        const target = a.object ?? a.oldObject;
        const bound = String((target?.spec as Record<string, unknown> | undefined)?.nodeName ?? "");
        if (a.operation === "CREATE" && a.subresource === "") {
          if (!target?.metadata?.annotations?.[MIRROR])
            throw forbidden(
              `pod does not have "${MIRROR}" annotation, ${who} can only create mirror pods`,
            );
          if (bound !== node)
            throw forbidden(`${who} can only create pods with spec.nodeName set to itself`);
          return;
        }
        const existing = String(
          (a.oldObject?.spec as Record<string, unknown> | undefined)?.nodeName ?? bound,
        );
        if (existing !== node)
          throw forbidden(
            `${who} can only ${a.operation === "DELETE" ? "delete" : "update"} pods with spec.nodeName set to itself`,
          );
        return;
      }
      if (a.def.group === "coordination.k8s.io" && a.def.resource === "leases") {
        if (a.object?.metadata?.namespace === "kube-node-lease" && a.object.metadata.name !== node)
          throw forbidden(`${who} is not allowed to modify lease "${a.object.metadata.name}"`);
      }
    },
  };
}
