/**
 * Server-side apply (`application/apply-patch+yaml`): merges an applied
 * configuration into the live object, removes what the applier stopped
 * specifying, and records ownership in metadata.managedFields. Follows
 * sigs.k8s.io/structured-merge-diff's Updater.Apply.
 */
import type { KObject } from "../types.ts";
import type { FieldSet } from "./field-set.ts";
import { pathString } from "./field-set.ts";
import { compareObjects, fieldSetOf } from "./field-set-of.ts";
import type { ManagedSet, ManagerInfo } from "./managed-fields.ts";
import {
  baseManagedFields,
  decodeManagedFields,
  updateManagedFields,
  encodeManagedFields,
  managerIdentity,
  stripUntracked,
  withManagedFields,
  withoutManagedFields,
} from "./managed-fields.ts";
import { badPatch } from "./patch-errors.ts";
import { jsonEqual } from "../../util/json-copy.ts";
import type { PatchSchema } from "./patch-schema.ts";
import { isKeyFieldOfItem, mergeApplied, removePath } from "./apply-merge.ts";
import {
  KUBECTL_MANAGER,
  allowedConflictsFromLastApplied,
  syncLastApplied,
} from "./last-applied.ts";

/** Owner of the fields an object had before its first apply, when it had no managedFields. */
export const BEFORE_FIRST_APPLY_MANAGER = "before-first-apply";

export interface ApplyOptions extends ManagerInfo {
  /** force=true: take conflicting fields from their managers instead of failing. */
  force: boolean;
}

/** A field another manager owns with a different value. */
export interface ApplyConflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  subresource?: string;
  /** Upstream's path text, e.g. `.spec.replicas`. */
  field: string;
}

export type ApplyResult = { object: KObject } | { conflicts: ApplyConflict[] };

/**
 * Applies `applied` (the decoded apply configuration) over `live`
 * (undefined when the object does not exist yet). Returns the new object
 * with managedFields updated, or the conflicts when `force` is false and
 * other managers own fields whose values would change. Throws a 400
 * StatusError for configurations that cannot be applied. Inputs are not
 * mutated.
 */
export function serverSideApply(
  live: KObject | undefined,
  applied: KObject,
  opts: ApplyOptions,
  schema: PatchSchema | undefined,
): ApplyResult {
  if (applied.metadata?.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw badPatch("metadata.managedFields must be nil");
  }
  let configSet: FieldSet;
  try {
    configSet = stripUntracked(fieldSetOf(applied, schema), opts.ignoredFields);
  } catch (err) {
    throw badPatch(
      `failed to create typed patch object (${appliedObjectName(applied)}): ${(err as Error).message}`,
    );
  }
  const liveBare = withoutManagedFields(live);
  const base = live ? baseManagedFields(undefined, live) : [];
  const managers = base === "reset" ? [] : base;
  if (liveBare && managers.length === 0) managers.push(...beforeFirstApply(liveBare, opts, schema));
  const self: Omit<ManagedSet, "set"> = {
    manager: opts.manager,
    operation: "Apply",
    apiVersion: opts.apiVersion,
    subresource: opts.subresource,
  };
  const selfId = managerIdentity(self);
  const previous = managers.find((m) => managerIdentity(m) === selfId);
  const others = managers.filter((m) => managerIdentity(m) !== selfId);

  const merged = mergeApplied(liveBare, withoutManagedFields(applied) ?? {}, schema) as KObject;
  if (previous) prune(merged, previous.set, configSet, others, schema);

  const cmp = compareObjects(liveBare, merged, schema);
  const changed = stripUntracked(cmp.added.union(cmp.modified), opts.ignoredFields);
  const removed = stripUntracked(cmp.removed, opts.ignoredFields);
  const conflicts: ApplyConflict[] = [];
  const updated: ManagedSet[] = [];
  for (const m of others) {
    const owned = m.set.intersection(changed);
    for (const path of owned.paths()) {
      conflicts.push({
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        subresource: m.subresource,
        field: pathString(path),
      });
    }
    updated.push({ ...m, set: m.set.difference(owned).difference(removed) });
  }
  if (conflicts.length && !opts.force) {
    const remaining = conflictsNotAllowed(conflicts, live!, opts, schema);
    if (remaining.length) return { conflicts: sortConflicts(remaining) };
  }

  const unchanged =
    previous !== undefined &&
    cmp.added.isEmpty() &&
    cmp.modified.isEmpty() &&
    cmp.removed.isEmpty();
  const keepTime = unchanged && jsonEqual(previous.set.toFieldsV1(), configSet.toFieldsV1());
  updated.push({ ...self, time: keepTime ? previous.time : opts.time, set: configSet });
  const object = withManagedFields(merged, encodeManagedFields(updated));
  return { object: opts.manager === KUBECTL_MANAGER ? syncLastApplied(object, applied) : object };
}

/** GroupVersionKind as Go prints it: "apps/v1, Kind=Deployment", "/v1, Kind=Pod". */
/**
 * How upstream names an applied configuration in its errors (objectGVKNN):
 * `<namespace>/<name>; <group>/<version>, Kind=<kind>`, each as the
 * configuration itself says (empty when it has none), not the URL.
 */
export function appliedObjectName(obj: KObject): string {
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const meta: unknown = obj.metadata;
  const { namespace, name } =
    meta !== null && typeof meta === "object" ? (meta as Record<string, unknown>) : {};
  const apiVersion = text(obj.apiVersion);
  const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
  return `${text(namespace)}/${text(name)}; ${gv}, Kind=${text(obj.kind)}`;
}

/**
 * An object without managedFields (created before tracking, or stripped)
 * gets its current fields attributed to "before-first-apply" before the
 * first apply, so the applier conflicts with values it did not set.
 */
function beforeFirstApply(
  live: KObject,
  opts: ApplyOptions,
  schema: PatchSchema | undefined,
): ManagedSet[] {
  const owned = updateManagedFields(
    undefined,
    live,
    {
      manager: BEFORE_FIRST_APPLY_MANAGER,
      apiVersion: opts.apiVersion,
      time: opts.time,
      ignoredFields: opts.ignoredFields,
    },
    schema,
  );
  return decodeManagedFields(owned.metadata?.managedFields) ?? [];
}

/** Conflicts left after upstream's allowance for kubectl's client-side-applied fields. */
function conflictsNotAllowed(
  conflicts: ApplyConflict[],
  live: KObject,
  opts: ApplyOptions,
  schema: PatchSchema | undefined,
): ApplyConflict[] {
  if (opts.manager !== KUBECTL_MANAGER) return conflicts;
  const allowed = allowedConflictsFromLastApplied(live, opts.apiVersion, schema);
  if (!allowed) return conflicts;
  const allowedText = new Set(allowed.paths().map(pathString));
  return conflicts.filter((c) => !allowedText.has(c.field));
}

/**
 * Removes from `merged` (in place) what the applier applied last time but
 * not now, unless the new configuration or another manager still owns it
 * or something below it.
 */
function prune(
  merged: KObject,
  lastSet: FieldSet,
  configSet: FieldSet,
  others: ManagedSet[],
  schema: PatchSchema | undefined,
): void {
  const keep = others.reduce((s, m) => s.union(m.set), configSet);
  const candidates = lastSet.difference(keep).paths();
  candidates.sort((a, b) => b.length - a.length);
  for (const path of candidates) {
    if (keep.hasAtOrBelow(path) || isKeyFieldOfItem(path)) continue;
    removePath(merged, path, schema);
  }
}

function sortConflicts(conflicts: ApplyConflict[]): ApplyConflict[] {
  return conflicts
    .map((c, i) => ({ c, i, key: printManager(c) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map((x) => x.c);
}

/** Upstream's description of a manager: `"name"`, `"name" using apps/v1`, `"name" with subresource "status" ...`. */
export function printManager(
  c: Pick<ApplyConflict, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === "Update") s += ` using ${c.apiVersion ?? ""}`;
  return s;
}
