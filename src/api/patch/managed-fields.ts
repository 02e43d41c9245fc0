/**
 * metadata.managedFields: who owns which fields. Ordinary writes (create,
 * update, patch) give the fields they change to their manager and take them
 * from everyone else (`updateManagedFields`); server-side apply builds on the
 * same entries (server-side-apply.ts).
 */
import type { KObject, ManagedFieldsEntry, ObjectMeta } from "../types.ts";
import { FieldSet, fieldElement } from "./field-set.ts";
import {
  containsFieldsV1,
  intersectsFieldsV1,
  isCanonicalStoredFieldsV1,
} from "./fields-v1-tree.ts";
import { compareObjects, fieldSetOfCreated } from "./field-set-of.ts";
import { UNTRACKED_META_FIELDS, createdFieldsV1 } from "./created-fields.ts";
import { isJsonObject } from "./patch-errors.ts";
import { jsonEqual } from "../../util/json-copy.ts";
import { StoredManagedSet, lazyManagedSets, storedEncoding } from "./stored-managed-sets.ts";
import type { PatchSchema } from "./patch-schema.ts";
import { ownedChange } from "./owned-changes.ts";

/** One manager's entry with its decoded field set. */
export interface ManagedSet {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Who is writing: the request's fieldManager and the version it used. */
export interface ManagerInfo {
  manager: string;
  apiVersion: string;
  /** RFC 3339 time of the write, seconds precision (see formatManagedTime). */
  time: string;
  subresource?: string;
  /**
   * Field paths (as FieldsV1 path elements, e.g. [["f:status"]]) whose
   * sub-trees are never tracked for this write, e.g. status on the main
   * resource, or everything but status on the status subresource.
   */
  ignoredFields?: string[][];
}

/** Paths upstream never records (set by the server, identity of the object). */
const STRIPPED_TOP = ["f:apiVersion", "f:kind"];
const STRIPPED_META = UNTRACKED_META_FIELDS.map(fieldElement);

/** Un-marks `node`'s child at `pe` as a member, dropping it when that empties it. */
function unmark(node: FieldSet, pe: string): void {
  const child = node.children.get(pe);
  if (!child) return;
  child.member = false;
  if (child.isEmpty()) node.children.delete(pe);
}

/**
 * Drops the untracked paths from `set`, in place: callers pass sets they have
 * just built. Removes exactly the members apiVersion, kind, metadata and the
 * identity fields of metadata (what lies below them stays, as upstream's set
 * difference), then the sub-trees at `ignoredFields`.
 */
export function stripUntracked(set: FieldSet, ignoredFields: string[][] = []): FieldSet {
  for (const pe of STRIPPED_TOP) unmark(set, pe);
  const meta = set.children.get("f:metadata");
  if (meta) {
    meta.member = false;
    for (const pe of STRIPPED_META) unmark(meta, pe);
    if (meta.isEmpty()) set.children.delete("f:metadata");
  }
  return ignoredFields.length ? set.prune(ignoredFields) : set;
}

/** RFC 3339 in UTC with seconds precision, as metav1.Time serializes. */
export function formatManagedTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The identity that makes two entries the same manager: name, operation,
 * subresource, and (for Update only) apiVersion. JSON, as upstream's.
 */
export function managerIdentity(
  e: Pick<ManagedSet, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  return JSON.stringify({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.operation === "Update" ? (e.apiVersion ?? "") : "",
    subresource: e.subresource ?? "",
  });
}

function isEmptyManaged(s: ManagedSet): boolean {
  const stored = storedEncoding(s);
  return stored ? Object.keys(stored).length === 0 : s.set.isEmpty();
}

/** Decodes entries; undefined when any entry is malformed. */
export function decodeManagedFields(entries: unknown): ManagedSet[] | undefined {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) return undefined;
  const out: ManagedSet[] = [];
  for (const e of entries) {
    if (!isJsonObject(e)) return undefined;
    if (e.operation !== "Apply" && e.operation !== "Update") return undefined;
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") return undefined;
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      return undefined;
    }
    out.push({
      manager: typeof e.manager === "string" ? e.manager : "",
      operation: e.operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : undefined,
      time: typeof e.time === "string" ? e.time : undefined,
      subresource: typeof e.subresource === "string" && e.subresource ? e.subresource : undefined,
      set,
    });
  }
  return out;
}

/** Upstream's cap on Update entries; older ones merge into ANCIENT_CHANGES_MANAGER. */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = "ancient-changes";

/**
 * Keeps at most `max` non-empty Update entries: the oldest are merged, per
 * apiVersion, into an "ancient-changes" entry, as kube-apiserver does so
 * managedFields cannot grow without bound.
 */
export function capUpdateManagers(sets: ManagedSet[], max = MAX_UPDATE_MANAGERS): ManagedSet[] {
  const live: ManagedSet[] = [];
  const updaters: ManagedSet[] = [];
  for (const s of sets) {
    if (isEmptyManaged(s)) continue;
    live.push(s);
    if (s.operation === "Update") updaters.push(s);
  }
  if (updaters.length <= max) return live;
  const result = live.slice();
  const byAge = updaters
    .filter((s) => s.manager !== ANCIENT_CHANGES_MANAGER)
    .sort((a, b) =>
      (a.time ?? "") < (b.time ?? "") ? -1 : (a.time ?? "") > (b.time ?? "") ? 1 : 0,
    );
  let count = updaters.length;
  for (const oldest of byAge) {
    if (count <= max) break;
    const at = result.indexOf(oldest);
    result.splice(at, 1);
    const bucket = result.find(
      (s) =>
        s.manager === ANCIENT_CHANGES_MANAGER &&
        s.operation === "Update" &&
        s.apiVersion === oldest.apiVersion,
    );
    if (bucket) {
      const merged: ManagedSet = {
        ...bucket,
        set: bucket.set.union(oldest.set),
        time: maxTime(bucket.time, oldest.time),
      };
      result[result.indexOf(bucket)] = merged;
      count--;
    } else {
      result.push({
        ...oldest,
        manager: ANCIENT_CHANGES_MANAGER,
        subresource: undefined,
        set: oldest.set,
      });
    }
  }
  return result;
}

function maxTime(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/** Encodes entries in upstream's order (Apply before Update, then time, manager, version, subresource), dropping empty sets. */
export function encodeManagedFields(sets: ManagedSet[]): ManagedFieldsEntry[] {
  const sorted = capUpdateManagers(sets).sort(compareEntries);
  return sorted.map((s) => encodeEntry(s, storedEncoding(s) ?? s.set.toFieldsV1()));
}

/** The entry of `s` at `time` holding `fieldsV1`, its keys in upstream's order. */
function encodeEntry(
  s: Omit<ManagedSet, "set">,
  fieldsV1: Record<string, unknown>,
  time = s.time,
): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = { manager: s.manager, operation: s.operation };
  if (s.apiVersion !== undefined) e.apiVersion = s.apiVersion;
  if (time !== undefined) e.time = time;
  e.fieldsType = "FieldsV1";
  e.fieldsV1 = fieldsV1;
  if (s.subresource) e.subresource = s.subresource;
  return e;
}

type EntryOrder = Pick<ManagedFieldsEntry, "operation" | "time" | "manager" | "apiVersion">;

/** Upstream's entry order: operation, time, manager, apiVersion, subresource. */
function compareEntries(
  a: EntryOrder & { subresource?: string },
  b: EntryOrder & { subresource?: string },
): number {
  return (
    compareStrings(a.operation ?? "", b.operation ?? "") ||
    compareStrings(a.time ?? "", b.time ?? "") ||
    compareStrings(a.manager ?? "", b.manager ?? "") ||
    compareStrings(a.apiVersion ?? "", b.apiVersion ?? "") ||
    compareStrings(a.subresource ?? "", b.subresource ?? "")
  );
}

function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** A shallow copy of `obj` without metadata.managedFields (for comparisons). */
export function withoutManagedFields(obj: KObject | undefined): KObject | undefined {
  if (!obj?.metadata || !Object.hasOwn(obj.metadata, "managedFields")) return obj;
  return { ...obj, metadata: metadataWithoutManagedFields(obj.metadata) };
}

/** A shallow copy of `meta` without managedFields (a loop: object rest is slower). */
function metadataWithoutManagedFields(meta: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(meta))
    if (key !== "managedFields") out[key] = (meta as Record<string, unknown>)[key];
  return out as ObjectMeta;
}

/** A shallow copy of `obj` whose metadata.managedFields is `entries` (removed when empty). */
export function withManagedFields(obj: KObject, entries: ManagedFieldsEntry[]): KObject {
  const metadata = { ...(obj.metadata ?? {}) };
  if (entries.length) metadata.managedFields = entries;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

/**
 * The managers to start from: those the client sent in `newObj` when it sent
 * any valid ones (clients may rewrite managedFields), else the live object's.
 * Returns "reset" for the `[{}]` idiom that strips managedFields entirely.
 */
export function baseManagedFields(
  oldObj: KObject | undefined,
  newObj: KObject,
): ManagedSet[] | "reset" {
  const sent = newObj.metadata?.managedFields as unknown;
  if (
    Array.isArray(sent) &&
    sent.length === 1 &&
    isJsonObject(sent[0]) &&
    Object.keys(sent[0]).length === 0
  ) {
    return "reset";
  }
  const fromNew = decodeManagedFields(sent);
  if (fromNew && fromNew.length) return fromNew;
  return decodeManagedFields(oldObj?.metadata?.managedFields) ?? [];
}

/**
 * Records an ordinary write (operation Update) of `newObj` over `oldObj`
 * (undefined for a create): the fields that changed move to `info.manager`
 * (removed from every other manager, whatever their operation), removed
 * fields leave every set, and the writer's time is refreshed only if it
 * changed something. Returns a shallow copy of `newObj` with the new
 * metadata.managedFields; inputs are not mutated.
 */
export function updateManagedFields(
  oldObj: KObject | undefined,
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): KObject {
  return withManagedFields(newObj, managedFieldsAfterUpdate(oldObj, newObj, info, schema));
}

/**
 * The metadata.managedFields that `updateManagedFields` gives `newObj`
 * (empty: none), without copying the object. Entries it returns may share
 * their fieldsV1 objects with `oldObj`'s entries.
 */
export function managedFieldsAfterUpdate(
  oldObj: KObject | undefined,
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): ManagedFieldsEntry[] {
  const stored = oldObj?.metadata?.managedFields;
  const sent = newObj.metadata?.managedFields as unknown;
  // The usual write sends back the live entries (or none): start from the
  // stored ones, decoding only the sets this write touches.
  const echoed =
    sent === undefined ||
    sent === null ||
    (Array.isArray(sent) && sent.length === 0) ||
    (stored !== undefined && jsonEqual(sent, stored));
  if (echoed && oldObj === undefined) return createdEntries(newObj, info, schema);
  if (echoed && (stored === undefined || Array.isArray(stored))) {
    try {
      const sets = lazyManagedSets(stored ?? []);
      return (
        restampOwned(sets, oldObj!, newObj, info, schema) ??
        recordUpdate(sets, oldObj, newObj, info, schema)
      );
    } catch {
      // A malformed stored entry: fall through to the validating path.
    }
  }
  const base = baseManagedFields(oldObj, newObj);
  if (base === "reset") return [];
  return recordUpdate(base, oldObj, newObj, info, schema);
}

/**
 * A create with no managedFields of its own: one entry for the writer
 * holding every tracked field of the object (what recordUpdate computes
 * with nothing stored, without its diff, merges and sorting).
 */
function createdEntries(
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): ManagedFieldsEntry[] {
  let fieldsV1 = createdFieldsV1(newObj, schema, info.ignoredFields);
  if (fieldsV1 === undefined) {
    const set = stripUntracked(
      fieldSetOfCreated(comparable(newObj, info.ignoredFields)!, schema),
      info.ignoredFields,
    );
    fieldsV1 = set.isEmpty() ? null : set.toFieldsV1();
  }
  if (fieldsV1 === null) return [];
  const e: ManagedFieldsEntry = { manager: info.manager, operation: "Update" };
  if (info.apiVersion !== undefined) e.apiVersion = info.apiVersion;
  if (info.time !== undefined) e.time = info.time;
  e.fieldsType = "FieldsV1";
  e.fieldsV1 = fieldsV1;
  if (info.subresource) e.subresource = info.subresource;
  return [e];
}

function recordUpdate(
  base: ManagedSet[],
  oldObj: KObject | undefined,
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): ManagedFieldsEntry[] {
  const cmp = compareObjects(
    comparable(oldObj, info.ignoredFields),
    comparable(newObj, info.ignoredFields),
    schema,
  );
  const changed = stripUntracked(cmp.added.merge(cmp.modified), info.ignoredFields);
  const removed = stripUntracked(cmp.removed, info.ignoredFields);
  const touched = removed.isEmpty() ? changed : changed.union(removed);
  const self: Omit<ManagedSet, "set"> = {
    manager: info.manager,
    operation: "Update",
    apiVersion: info.apiVersion,
    subresource: info.subresource,
  };
  let mine: ManagedSet | undefined;
  const others: ManagedSet[] = [];
  for (const m of base) {
    const raw = storedEncoding(m);
    if (isSelf(m, self)) {
      const keep = raw !== undefined && (removed.isEmpty() || !intersectsFieldsV1(removed, raw));
      mine = keep ? m : { ...m, set: m.set.difference(removed) };
    } else {
      const untouched = raw !== undefined && !intersectsFieldsV1(touched, raw);
      others.push(untouched ? m : { ...m, set: m.set.difference(touched) });
    }
  }
  if (!changed.isEmpty()) {
    // The common "a manager rewrites its own fields" case: its set stays as
    // stored, only the time moves, so the stored encoding is kept.
    const raw = mine && storedEncoding(mine);
    mine =
      mine instanceof StoredManagedSet &&
      raw &&
      containsFieldsV1(raw, changed) &&
      isCanonicalStoredFieldsV1(raw)
        ? mine.restamped(self, info.time)
        : { ...self, time: info.time, set: mine ? mine.set.union(changed) : changed };
  }
  if (mine) others.push(mine);
  return encodeManagedFields(others);
}

/**
 * recordUpdate's answer for a write that changes only leaves its writer
 * alone owns, or nothing (ownedChange): the stored entries as they are, the
 * writer's restamped when it changed something. Undefined when the write is
 * not such a one, or its answer could differ from recordUpdate's (duplicate
 * writer entries, empty entries or more Update entries than the cap keeps,
 * a restamped entry not in canonical form).
 */
function restampOwned(
  sets: StoredManagedSet[],
  oldObj: KObject,
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): ManagedFieldsEntry[] | undefined {
  const self: Omit<ManagedSet, "set"> = {
    manager: info.manager,
    operation: "Update",
    apiVersion: info.apiVersion,
    subresource: info.subresource,
  };
  let at = -1;
  let updates = 0;
  const others: Record<string, unknown>[] = [];
  for (let i = 0; i < sets.length; i++) {
    const s = sets[i];
    const raw = s.stored;
    if (raw === undefined || isEmptyManaged(s)) return undefined;
    if (s.operation === "Update") updates++;
    if (!isSelf(s, self)) others.push(raw);
    else if (at >= 0) return undefined;
    else at = i;
  }
  if (updates > MAX_UPDATE_MANAGERS) return undefined;
  const mine = at >= 0 ? sets[at].stored : undefined;
  const change = ownedChange(oldObj, newObj, schema, info.ignoredFields, mine, others);
  if (change === undefined) return undefined;
  const restamp = change === "owned";
  if (restamp && (!mine || !isCanonicalStoredFieldsV1(mine))) return undefined;
  const out = sets.map((s, i) =>
    restamp && i === at ? encodeEntry(self, mine!, info.time) : encodeEntry(s, s.stored!),
  );
  return out.length > 1 ? out.sort(compareEntries) : out;
}

/** Whether `m` is the entry `self` (an Update) writes: managerIdentity, without the JSON. */
function isSelf(m: ManagedSet, self: Omit<ManagedSet, "set">): boolean {
  return (
    m.operation === "Update" &&
    m.manager === self.manager &&
    (m.apiVersion ?? "") === (self.apiVersion ?? "") &&
    (m.subresource ?? "") === (self.subresource ?? "")
  );
}

/**
 * A shallow copy of `obj` for comparing: without metadata.managedFields and
 * without the top-level fields this write never tracks (status through the
 * main resource, spec through /status), so their sub-trees are not walked.
 */
function comparable(
  obj: KObject | undefined,
  ignoredFields: string[][] | undefined,
): KObject | undefined {
  if (!obj || !ignoredFields?.length) return withoutManagedFields(obj);
  // One copy without the ignored top-level fields (no `delete`: it would
  // make the copy a slow dictionary-mode object for the walk).
  let ignored: string | undefined;
  let more: Set<string> | undefined;
  for (const p of ignoredFields) {
    if (p.length !== 1 || !p[0].startsWith("f:")) continue;
    if (ignored === undefined) ignored = p[0].slice(2);
    else (more ??= new Set()).add(p[0].slice(2));
  }
  const copy: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    if (key === ignored || more?.has(key)) continue;
    copy[key] = src[key];
  }
  const meta = obj.metadata;
  if (meta && Object.hasOwn(copy, "metadata") && Object.hasOwn(meta, "managedFields"))
    copy.metadata = metadataWithoutManagedFields(meta);
  return copy as KObject;
}
