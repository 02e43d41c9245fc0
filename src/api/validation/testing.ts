/** Test helpers for the validation tables: run a strategy as the API server would. */
import assert from "node:assert/strict";
import { builtinRegistry } from "../registry.ts";
import type { KObject } from "../types.ts";
import type { FieldError } from "../status.ts";

/** Defaults, prepareForCreate and validate of group/resource (preferred version). */
export function createErrors(group: string, resource: string, obj: KObject): FieldError[] {
  const reg = builtinRegistry();
  const def = reg.get(group, reg.preferredVersion(group)!, resource)!;
  const s = def.strategy!;
  s.defaults?.(obj);
  s.prepareForCreate?.(obj);
  return s.validate!(obj);
}

/** Update path: defaults, prepareForUpdate, validate + validateUpdate. */
export function updateErrors(
  group: string,
  resource: string,
  obj: KObject,
  old: KObject,
): FieldError[] {
  const reg = builtinRegistry();
  const def = reg.get(group, reg.preferredVersion(group)!, resource)!;
  const s = def.strategy!;
  s.defaults?.(obj);
  s.prepareForUpdate?.(obj, old);
  return [...s.validate!(obj), ...(s.validateUpdate?.(obj, old) ?? [])];
}

/** Expected [field, message or pattern] pairs, in order. */
export type Expect = [string, string | RegExp][];

/** Asserts the errors match `want` exactly (count, fields and messages). */
export function assertErrors(errs: FieldError[], want: Expect, label: string): void {
  assert.equal(errs.length, want.length, `${label}: ${JSON.stringify(errs, null, 1)}`);
  want.forEach(([field, message], i) => {
    assert.equal(errs[i].field, field, label);
    if (typeof message === "string") assert.equal(errs[i].message, message, label);
    else assert.match(errs[i].message, message, label);
  });
}
