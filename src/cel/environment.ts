/**
 * The Kubernetes CEL environment: CEL's standard library, the strings
 * extension and the Kubernetes libraries (lists, regex, url, quantity,
 * format, optional, authorizer), with every declared variable typed `dyn`.
 */
import { celEnv, CelScalar } from "@bufbuild/cel";
import type { CelEnv, CelFunc, CelType } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { chargeCost } from "./context.ts";
import { authorizerFuncs } from "./lib/authorizer.ts";
import { comprehensionFuncs } from "./lib/comprehensions.ts";
import { formatFuncs } from "./lib/format.ts";
import { dynFunc } from "./lib/func.ts";
import { ipFuncs } from "./lib/ip.ts";
import { listFuncs } from "./lib/lists.ts";
import { optionalFuncs } from "./lib/optional.ts";
import { quantityFuncs } from "./lib/quantity.ts";
import { regexFuncs } from "./lib/regex.ts";
import { setsFuncs } from "./lib/sets.ts";
import { urlFuncs } from "./lib/url.ts";

/** Name of the hook wrapped around comprehension loop conditions to charge each iteration. */
export const COST_HOOK = "@k8s.cost";

const costHook = [
  dynFunc(COST_HOOK, 2, ([v, n]) => {
    chargeCost(Number(n));
    return v;
  }),
  dynFunc(COST_HOOK, 1, ([n]) => {
    chargeCost(Number(n));
    return true;
  }),
];

/** All non-standard functions of the environment. */
export const KUBERNETES_FUNCS: readonly CelFunc[] = [
  ...strings,
  ...listFuncs,
  ...regexFuncs,
  ...urlFuncs,
  ...quantityFuncs,
  ...formatFuncs,
  ...optionalFuncs,
  ...setsFuncs,
  ...ipFuncs,
  ...comprehensionFuncs,
  ...authorizerFuncs,
  ...costHook,
];

/** Call names the planner handles itself (operators and macros' helpers). */
const SPECIAL_CALLS = ["_&&_", "_||_", "_?_:_", "_[_]", "_[?_]", "_?._", "@not_strictly_false"];

const envs = new Map<string, { env: CelEnv; functions: ReadonlySet<string> }>();

/** The environment declaring `variables` (cached per variable set), with its function names. */
export function kubernetesEnv(variables: readonly string[]): {
  env: CelEnv;
  functions: ReadonlySet<string>;
} {
  const key = [...variables].sort().join(",");
  let hit = envs.get(key);
  if (!hit) {
    const decls: Record<string, CelType> = {};
    for (const v of variables) decls[v] = CelScalar.DYN;
    const env = celEnv({ variables: decls, funcs: [...KUBERNETES_FUNCS] });
    const functions = new Set([...env.funcs].map((f) => f.name).concat(SPECIAL_CALLS));
    functions.delete(COST_HOOK);
    hit = { env, functions };
    envs.set(key, hit);
  }
  return hit;
}
