/**
 * Builds CEL functions whose overload resolution happens at run time: the
 * implementation returns undefined to decline (another overload of the same
 * name is then tried), a value, or throws to produce a CEL error.
 */
import { celError, celList, celMap, CelScalar } from "@bufbuild/cel";
import type { CelFunc, CelInput, CelResult, CelValue } from "@bufbuild/cel";

const FUNC_BRAND = Symbol.for("@bufbuild/cel/func");

/** Implementation: `target` is undefined for global functions. */
export type DynImpl = (
  target: CelValue | undefined,
  args: CelValue[],
) => CelInput | CelValue | undefined;

function toValue(v: CelInput | CelValue): CelValue {
  if (Array.isArray(v)) return celList(v);
  if (v instanceof Map) return celMap(v);
  return v as CelValue;
}

function make(name: string, arity: number, method: boolean, impl: DynImpl): CelFunc {
  const fn = {
    [FUNC_BRAND]: {},
    id: `k8s:${method ? "method" : "func"}:${name}/${arity}`,
    name,
    target: method ? CelScalar.DYN : undefined,
    arguments: Array.from({ length: arity }, () => CelScalar.DYN),
    result: CelScalar.DYN,
    call(id: number, target: CelValue | undefined, args: CelValue[]): CelResult | undefined {
      if (args.length !== arity || (method ? target === undefined : target !== undefined))
        return undefined;
      try {
        const out = impl(target, args);
        return out === undefined ? undefined : toValue(out);
      } catch (e) {
        return celError(e, id);
      }
    },
  };
  return fn as unknown as CelFunc;
}

/** A global function `name(args...)` (name may be qualified, e.g. "optional.of"). */
export function dynFunc(
  name: string,
  arity: number,
  impl: (args: CelValue[]) => CelInput | CelValue | undefined,
): CelFunc {
  return make(name, arity, false, (_t, args) => impl(args));
}

/** A method `target.name(args...)`. */
export function dynMethod(
  name: string,
  arity: number,
  impl: (target: CelValue, args: CelValue[]) => CelInput | CelValue | undefined,
): CelFunc {
  return make(name, arity, true, (t, args) => impl(t!, args));
}
