/**
 * Keeps ValidatingAdmissionPolicy status as upstream's status controller
 * does: once a policy's generation is observed, status gets
 * observedGeneration and typeChecking, whose expressionWarnings come from
 * type-checking the policy against the schemas of the kinds it matches
 * (type-checker.ts).
 */
import type { KObject } from "../../../api/types.ts";
import type { Registry } from "../../../api/registry.ts";
import type { ServerContext } from "../../context.ts";
import { RestStore } from "../../rest-store.ts";
import { ObjectCache } from "../../object-cache.ts";
import { loadCel } from "../../../cel/lazy.ts";
import { serverSchemaResolver, type SchemaResolver } from "./schema-resolver.ts";
import { typeCheckPolicy, type KindsFor } from "./type-checker.ts";

type Rec = Record<string, unknown>;

/** KindsFor over the kinds `registry` serves. */
export function registryKindsFor(registry: Registry): KindsFor {
  return (group, version, resource) => {
    const def = registry.get(group, version, resource);
    return def ? [{ group, version, kind: def.kind }] : [];
  };
}

/** The status a policy should have (CEL must be loaded). */
export function policyStatus(policy: KObject, kindsFor: KindsFor, resolve: SchemaResolver): Rec {
  const warnings = typeCheckPolicy(policy, kindsFor, resolve);
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
  const kindsFor = registryKindsFor(server.registry);
  let resolve: SchemaResolver | undefined;
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
            resolve ??= await serverSchemaResolver(server.registry);
            return { ...cur!, status: policyStatus(cur!, kindsFor, resolve) };
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
