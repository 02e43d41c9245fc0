/**
 * Keeps ValidatingAdmissionPolicy status as upstream's type-checking
 * controller does: once a policy's generation is observed, status gets
 * observedGeneration and typeChecking. Expressions are compiled with
 * src/cel (object and oldObject untyped: upstream also checks them against
 * the schemas of the kinds the policy matches, k8ts does not yet), so
 * expressionWarnings only lists expressions that fail to compile
 * (validation normally rejects those first).
 */
import type { KObject } from "../../../api/types.ts";
import type { ServerContext } from "../../context.ts";
import { RestStore } from "../../rest-store.ts";
import { ObjectCache } from "../../object-cache.ts";
import { compilePolicy } from "./policy-evaluator.ts";
import { loadCel } from "../../../cel/lazy.ts";

type Rec = Record<string, unknown>;

/** The status a policy should have. */
export function policyStatus(policy: KObject): Rec {
  const c = compilePolicy(policy);
  const warnings: Rec[] = [];
  c.validations.forEach((v, i) => {
    if (v.p.error)
      warnings.push({ fieldRef: `spec.validations[${i}].expression`, warning: v.p.error });
  });
  const typeChecking: Rec = warnings.length > 0 ? { expressionWarnings: warnings } : {};
  return {
    ...((policy.status as Rec) ?? {}),
    observedGeneration: policy.metadata?.generation ?? 1,
    typeChecking,
  };
}

/** Runs until the server stops, writing status for policies whose generation is new. */
export async function runPolicyStatus(server: ServerContext): Promise<void> {
  const def = server.registry.get(
    "admissionregistration.k8s.io",
    "v1",
    "validatingadmissionpolicies",
  )!;
  const cache = new ObjectCache(server, def);
  const rest = new RestStore(server);
  const user = { username: "system:kube-apiserver", groups: ["system:masters"] };
  while (!server.signal.aborted) {
    const next = cache.changed();
    for (const p of await cache.list().catch(() => [] as KObject[])) {
      const observed = (p.status as Rec | undefined)?.observedGeneration;
      if (observed === (p.metadata?.generation ?? 1)) continue;
      await rest
        .update(
          def,
          "",
          p.metadata?.name ?? "",
          async (cur) => {
            await loadCel(); // a policy stored before this server started may be new to it
            return { ...cur!, status: policyStatus(cur!) };
          },
          {
            dryRun: false,
            user,
            subresource: "status",
            fieldManager: "validatingadmissionpolicy-status-controller",
          },
        )
        .catch(() => undefined);
    }
    await next;
  }
}
