/**
 * Name acceptance of CRDs as upstream's naming controller: within one API
 * group, a CRD's plural, singular, short names, kind and list kind must not
 * be in use by another (earlier) CRD or a built-in resource.
 */
import type { ResourceDef } from "../api/types.ts";
import type { CustomResourceDefinition, CustomResourceDefinitionCondition } from "./types.ts";

/** The NamesAccepted condition for `crd` given the other CRDs and built-in defs of its group. */
export function namesAccepted(
  crd: CustomResourceDefinition,
  others: readonly CustomResourceDefinition[],
  builtins: readonly ResourceDef[],
): CustomResourceDefinitionCondition {
  const names = crd.spec.names;
  const used = {
    plural: new Set<string>(),
    singular: new Set<string>(),
    short: new Set<string>(),
    kind: new Set<string>(),
    listKind: new Set<string>(),
  };
  const all = new Set<string>();
  for (const d of builtins) {
    if (d.group !== crd.spec.group) continue;
    used.plural.add(d.resource);
    used.singular.add(d.singular);
    used.kind.add(d.kind);
    for (const s of d.shortNames ?? []) used.short.add(s);
  }
  for (const o of others) {
    if (o.spec.group !== crd.spec.group || o.metadata?.name === crd.metadata?.name) continue;
    const n = o.status?.acceptedNames ?? o.spec.names;
    if (!n) continue;
    used.plural.add(n.plural);
    if (n.singular) used.singular.add(n.singular);
    used.kind.add(n.kind);
    if (n.listKind) used.listKind.add(n.listKind);
    for (const s of n.shortNames ?? []) used.short.add(s);
  }
  for (const set of Object.values(used)) for (const v of set) all.add(v);
  const conflict = (reason: string, value: string): CustomResourceDefinitionCondition => ({
    type: "NamesAccepted",
    status: "False",
    reason,
    message: `"${value}" is already in use`,
  });
  if (used.plural.has(names.plural) || used.singular.has(names.plural))
    return conflict("PluralConflict", names.plural);
  const singular = names.singular || names.kind.toLowerCase();
  if (used.singular.has(singular) || used.plural.has(singular))
    return conflict("SingularConflict", singular);
  for (const s of names.shortNames ?? []) {
    if (all.has(s)) return conflict("ShortNamesConflict", s);
  }
  if (used.kind.has(names.kind) || used.listKind.has(names.kind))
    return conflict("KindConflict", names.kind);
  const listKind = names.listKind || `${names.kind}List`;
  if (used.kind.has(listKind) || used.listKind.has(listKind))
    return conflict("ListKindConflict", listKind);
  return {
    type: "NamesAccepted",
    status: "True",
    reason: "NoConflicts",
    message: "no conflicts found",
  };
}
