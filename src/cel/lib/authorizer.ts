/**
 * Kubernetes authorizer library: `authorizer.path(p)`,
 * `authorizer.group(g).resource(r).subresource(s).namespace(ns).name(n)`,
 * `.fieldSelector(s)`, `.labelSelector(s)` (AuthorizeWithSelectors, on in 1.32),
 * `.check(verb)` → decision with allowed(), reason(), errored(), error();
 * `authorizer.serviceAccount(ns, name)`; `authorizer.requestResource`.
 * Checks call the evaluation's synchronous CelAuthorizer; without one every
 * check is denied with reason "no authorizer available".
 */
import type { CelFunc, CelInput, CelMap, CelValue } from "@bufbuild/cel";
import { isCelMap } from "@bufbuild/cel";
import { currentAuthorizer, type AuthzCheck, type AuthzDecision } from "../context.ts";
import { opaque, opaqueTag, OPAQUE_TAG } from "../values.ts";
import { dynMethod } from "./func.ts";

const TAG = "authz";
type Kind = "authorizer" | "path" | "group" | "resource" | "decision";

/** The resource the request is about, for `authorizer.requestResource`. */
export interface RequestResource {
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function node(kind: Kind, fields: Record<string, CelInput>): CelMap {
  return opaque(TAG, { kind, ...fields });
}

/** The value to bind to the `authorizer` variable. `user` is informational. */
export function authorizerValue(
  options: { user?: string; requestResource?: RequestResource } = {},
): CelValue {
  const base: Record<string, CelInput> = options.user ? { user: options.user } : {};
  const rr = options.requestResource;
  if (rr) {
    base["requestResource"] = node("resource", {
      group: rr.group,
      resource: rr.resource,
      subresource: rr.subresource ?? "",
      namespace: rr.namespace ?? "",
      name: rr.name ?? "",
    });
  }
  return node("authorizer", base);
}

function fields(t: CelValue, kinds: Kind[]): Record<string, CelInput> | undefined {
  if (opaqueTag(t) !== TAG || !isCelMap(t) || !kinds.includes(t.get("kind") as Kind))
    return undefined;
  const out: Record<string, CelInput> = {};
  for (const [k, v] of t)
    if (k !== OPAQUE_TAG && k !== "kind" && typeof k === "string") out[k] = v as CelInput;
  return out;
}

function builder(name: string, from: Kind[], to: Kind, field: string): CelFunc {
  return dynMethod(name, 1, (t, [v]) => {
    const f = fields(t, from);
    if (f === undefined || typeof v !== "string") return undefined;
    return node(to, { ...f, [field]: v });
  });
}

function decide(f: Record<string, CelInput>, verb: string): AuthzDecision {
  const authz = currentAuthorizer();
  if (!authz) return { decision: "deny", reason: "no authorizer available" };
  const s = (k: string): string | undefined =>
    typeof f[k] === "string" && f[k] !== "" ? (f[k] as string) : undefined;
  const check: AuthzCheck = {
    verb,
    user: s("user"),
    path: s("path"),
    group: f["group"] as string | undefined,
  };
  for (const k of [
    "resource",
    "subresource",
    "namespace",
    "name",
    "fieldSelector",
    "labelSelector",
  ] as const)
    check[k] = s(k);
  try {
    return authz(check);
  } catch (e) {
    return { decision: "noOpinion", error: (e as Error).message };
  }
}

function decisionGetter(name: string, fn: (f: Record<string, CelInput>) => CelInput): CelFunc {
  return dynMethod(name, 0, (t) => {
    const f = fields(t, ["decision"]);
    return f === undefined ? undefined : fn(f);
  });
}

/** The authorizer functions. */
export const authorizerFuncs: CelFunc[] = [
  builder("path", ["authorizer"], "path", "path"),
  builder("group", ["authorizer"], "group", "group"),
  builder("resource", ["group"], "resource", "resource"),
  builder("subresource", ["resource"], "resource", "subresource"),
  builder("namespace", ["resource"], "resource", "namespace"),
  builder("name", ["resource"], "resource", "name"),
  builder("fieldSelector", ["resource"], "resource", "fieldSelector"),
  builder("labelSelector", ["resource"], "resource", "labelSelector"),
  dynMethod("serviceAccount", 2, (t, [ns, n]) => {
    const f = fields(t, ["authorizer"]);
    if (f === undefined || typeof ns !== "string" || typeof n !== "string") return undefined;
    return node("authorizer", { ...f, user: `system:serviceaccount:${ns}:${n}` });
  }),
  dynMethod("check", 1, (t, [verb]) => {
    const f = fields(t, ["path", "resource"]);
    if (f === undefined || typeof verb !== "string") return undefined;
    const d = decide(f, verb);
    return node("decision", { decision: d.decision, reason: d.reason ?? "", error: d.error ?? "" });
  }),
  decisionGetter("allowed", (f) => f["decision"] === "allow"),
  decisionGetter("reason", (f) => f["reason"] ?? ""),
  decisionGetter("errored", (f) => f["error"] !== ""),
  decisionGetter("error", (f) => f["error"] ?? ""),
];
