/**
 * The ValidatingAdmissionPolicy plugin: for each binding (by name) whose
 * policy exists and whose policy matchConstraints and binding matchResources
 * match the request, the policy is evaluated once per param (or once with
 * params null), and failures are enforced by the binding's validationActions:
 * Deny rejects with upstream's message (`ValidatingAdmissionPolicy 'p' with
 * binding 'b' denied request: ...`), Warn adds a warning, Audit adds the
 * `validation.policy.admission.k8s.io/validation_failure` audit annotation.
 * Misconfiguration and expression errors follow the policy's failurePolicy.
 */
import { StatusError, qualifiedResource, type StatusReason } from "../../../api/status.ts";
import type { KObject } from "../../../api/types.ts";
import { selectorMatches } from "../../../api/validation/object-meta.ts";
import type { ServerContext } from "../../context.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { admissionRequest } from "../webhook/admission-review.ts";
import { authorizerFor } from "../webhook/match-conditions.ts";
import { loadCel } from "../../../cel/lazy.ts";
import type { Authorizer } from "../../../auth/types.ts";
import { ObjectCache } from "../../object-cache.ts";
import { isExemptConfigurationResource } from "../webhook/rules.ts";
import { namespaceObjectOf } from "../webhook/selectors.ts";
import { matchResources } from "./match-resources.ts";
import { evaluatePolicy, type ValidationFailure } from "./policy-evaluator.ts";

type Rec = Record<string, unknown>;
const GROUP = "admissionregistration.k8s.io";
const CODES: Record<string, number> = {
  Unauthorized: 401,
  Forbidden: 403,
  Invalid: 422,
  RequestEntityTooLarge: 413,
};

/** A failure to enforce, with where it came from. */
interface Decision extends ValidationFailure {
  policy: string;
  binding: string;
  actions: string[];
}

/** Params for one binding: a list to evaluate with, or an error/allow outcome. */
type Params = { params: (KObject | null)[] } | { error: string } | { allow: true };

async function resolveParams(
  server: ServerContext,
  policy: KObject,
  binding: KObject,
  attrs: AdmissionAttributes,
): Promise<Params> {
  const kind = (policy.spec as Rec)?.paramKind as Rec | undefined;
  if (!kind) return { params: [null] };
  const [group, version] = String(kind.apiVersion ?? "").includes("/")
    ? String(kind.apiVersion).split("/")
    : ["", String(kind.apiVersion ?? "")];
  const def = server.registry.byKind(group, version, String(kind.kind ?? ""));
  if (!def)
    return {
      error: `failed to configure policy: failed to find resource referenced by paramKind: '${String(kind.apiVersion)}, Kind=${String(kind.kind)}'`,
    };
  const ref = (binding.spec as Rec)?.paramRef as Rec | undefined;
  if (!ref) return { params: [null] };
  const namespace = def.namespaced ? String(ref.namespace || attrs.namespace) : "";
  if (def.namespaced && !namespace)
    return { error: "cannot use a namespaced paramRef for a cluster-scoped request" };
  let found: KObject[];
  if (ref.name) {
    const one = await server.store.tryGet(def, namespace, String(ref.name));
    found = one ? [one] : [];
  } else {
    const page = await server.store.list(def, def.namespaced ? namespace : undefined, {});
    found = page.items
      .map((i) => i.obj)
      .filter((o) => selectorMatches(ref.selector, o.metadata?.labels));
  }
  if (found.length > 0) return { params: found };
  if (ref.parameterNotFoundAction === "Allow") return { allow: true };
  return { error: "no params found for policy binding with `Deny` parameterNotFoundAction" };
}

/** Builds the plugin; policies and bindings are read through watch-based caches. */
export function validatingAdmissionPolicyPlugin(
  getServer: () => Promise<ServerContext>,
  authorizer?: Authorizer,
): AdmissionPlugin {
  let caches: { policies: ObjectCache; bindings: ObjectCache } | undefined;
  /** The server once getServer has given it (it never changes). */
  let boundServer: ServerContext | undefined;
  const cachesOf = (server: ServerContext) =>
    (caches ??= {
      policies: new ObjectCache(
        server,
        server.registry.get(GROUP, "v1", "validatingadmissionpolicies")!,
      ),
      bindings: new ObjectCache(
        server,
        server.registry.get(GROUP, "v1", "validatingadmissionpolicybindings")!,
      ),
    });

  async function decisions(server: ServerContext, attrs: AdmissionAttributes): Promise<Decision[]> {
    const { policies, bindings } = cachesOf(server);
    // No bindings (the usual case): no policy applies, and the policies need not be read.
    const bindingList = await bindings.list();
    if (bindingList.length === 0) return [];
    const policyList = await policies.list();
    const byName = new Map(policyList.map((p) => [p.metadata?.name ?? "", p]));
    const getNamespace = (name: string) =>
      server.store.tryGet(server.registry.get("", "v1", "namespaces")!, "", name);
    const out: Decision[] = [];
    for (const binding of bindingList) {
      const bspec = (binding.spec ?? {}) as Rec;
      const policy = byName.get(String(bspec.policyName ?? ""));
      if (!policy) continue;
      const pspec = (policy.spec ?? {}) as Rec;
      const opts = { registry: server.registry, getNamespace, requireRules: true };
      const as = await matchResources(pspec.matchConstraints as Rec | undefined, attrs, opts);
      if (!as) continue;
      if (
        !(await matchResources(bspec.matchResources as Rec | undefined, attrs, {
          ...opts,
          requireRules: false,
        }))
      )
        continue;
      const base = {
        policy: policy.metadata?.name ?? "",
        binding: binding.metadata?.name ?? "",
        actions: Array.isArray(bspec.validationActions) ? bspec.validationActions.map(String) : [],
      };
      const fail = pspec.failurePolicy !== "Ignore";
      const failWith = (message: string) =>
        fail && out.push({ ...base, message, reason: "Invalid", expressionIndex: -1, error: true });
      const params = await resolveParams(server, policy, binding, attrs);
      if ("allow" in params) continue;
      if ("error" in params) {
        failWith(params.error);
        continue;
      }
      const namespaceObject = (await namespaceObjectOf(attrs, getNamespace)) ?? null;
      const request = await admissionRequest(attrs, as, "");
      const { celAuthorizerFor, withAsyncAuthorizer } = await loadCel();
      for (const param of params.params) {
        const evaluate = () =>
          evaluatePolicy(policy, {
            object: attrs.object ?? null,
            oldObject: attrs.oldObject ?? null,
            request,
            params: param,
            namespaceObject,
            authorizer: authorizerFor(attrs),
          });
        // authorizer.*.check() in expressions is answered by the server's
        // authorizer (evaluation re-runs until every check has its answer).
        const result = authorizer
          ? await withAsyncAuthorizer(celAuthorizerFor(authorizer, attrs.user), evaluate)
          : evaluate();
        if (result.skipped) continue;
        if (result.matchError !== undefined) {
          failWith(result.matchError);
          continue;
        }
        for (const [k, v] of Object.entries(result.auditAnnotations))
          if (attrs.auditAnnotations) attrs.auditAnnotations[k] ??= v;
        for (const f of result.failures) if (!f.error || fail) out.push({ ...base, ...f });
        // An auditAnnotation that errors denies under Fail, whatever the actions (as upstream).
        if (fail)
          for (const message of result.auditErrors)
            out.push({
              ...base,
              actions: ["Deny"],
              message,
              reason: "",
              expressionIndex: -1,
              error: true,
            });
      }
    }
    return out;
  }

  return {
    name: "ValidatingAdmissionPolicy",
    validate(attrs) {
      // No bindings (the usual case), known without waiting: nothing to do, no promise.
      if (boundServer && cachesOf(boundServer).bindings.listNow()?.length === 0) return;
      return validate(attrs);
    },
  };

  async function validate(attrs: AdmissionAttributes): Promise<void> {
    if (isExemptConfigurationResource(attrs)) return;
    const server = (boundServer ??= await getServer());
    const found = await decisions(server, attrs);
    const audits: Rec[] = [];
    for (const d of found) {
      if (d.actions.includes("Warn"))
        attrs.warnings?.push(
          `Validation failed for ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}': ${d.message}`,
        );
      if (d.actions.includes("Audit"))
        audits.push({
          message: d.message,
          policy: d.policy,
          binding: d.binding,
          expressionIndex: d.expressionIndex,
          validationActions: d.actions,
        });
    }
    if (audits.length > 0 && attrs.auditAnnotations)
      attrs.auditAnnotations["validation.policy.admission.k8s.io/validation_failure"] =
        JSON.stringify(audits);
    const deny = found.find((d) => d.actions.includes("Deny"));
    if (deny) throw denyError(attrs, deny);
  }
}

/** Upstream's denial: admission.NewForbidden with the decision's reason and code. */
function denyError(attrs: AdmissionAttributes, d: Decision): StatusError {
  const message = `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`;
  const resource = qualifiedResource(attrs.def.group, attrs.def.resource);
  const name = attrs.name || attrs.object?.metadata?.name || "";
  const full = name
    ? `${resource} "${name}" is forbidden: ${message}`
    : `${resource} is forbidden: ${message}`;
  const reason = (d.reason || "Invalid") as StatusReason;
  return new StatusError(
    reason,
    full,
    {
      name: name || undefined,
      group: attrs.def.group || undefined,
      kind: attrs.def.resource,
      causes: [{ message }],
    },
    CODES[reason] ?? 422,
  );
}
