/**
 * updateManagedFields' shortcuts (stored encodings kept, the "same manager
 * rewrites its own fields" case) against the full computation: decode every
 * entry, diff, move the changed fields, encode every entry again. The two
 * must give byte-identical managedFields.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { KObject } from "../types.ts";
import { FieldSet } from "./field-set.ts";
import { compareObjects } from "./field-set-of.ts";
import {
  baseManagedFields,
  encodeManagedFields,
  managerIdentity,
  stripUntracked,
  updateManagedFields,
  withManagedFields,
  withoutManagedFields,
  type ManagedSet,
  type ManagerInfo,
} from "./managed-fields.ts";
import type { PatchSchema } from "./patch-schema.ts";
import { podSchema } from "./testing-schemas.ts";

/** The computation without shortcuts: every set decoded, diffed and encoded. */
function fullUpdate(
  oldObj: KObject | undefined,
  newObj: KObject,
  info: ManagerInfo,
  schema: PatchSchema | undefined,
): KObject {
  const base = baseManagedFields(oldObj, newObj);
  if (base === "reset") return withManagedFields(newObj, []);
  const bare = (o: KObject | undefined) => {
    const b = withoutManagedFields(o) as Record<string, unknown> | undefined;
    if (!b) return b;
    const copy = { ...b };
    for (const p of info.ignoredFields ?? []) if (p.length === 1) delete copy[p[0].slice(2)];
    return copy;
  };
  const cmp = compareObjects(bare(oldObj), bare(newObj), schema);
  const changed = stripUntracked(cmp.added.union(cmp.modified), info.ignoredFields);
  const removed = stripUntracked(cmp.removed, info.ignoredFields);
  const touched = changed.union(removed);
  const self = {
    manager: info.manager,
    operation: "Update" as const,
    apiVersion: info.apiVersion,
    subresource: info.subresource,
  };
  let mine: ManagedSet | undefined;
  const others: ManagedSet[] = [];
  for (const m of base) {
    if (managerIdentity(m) === managerIdentity(self))
      mine = { ...m, set: m.set.difference(removed) };
    else others.push({ ...m, set: m.set.difference(touched) });
  }
  if (!changed.isEmpty())
    mine = { ...self, time: info.time, set: (mine?.set ?? new FieldSet()).union(changed) };
  return withManagedFields(newObj, encodeManagedFields(mine ? [...others, mine] : others));
}

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const small = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 3 });
const dict = fc.dictionary(pick("a", "b", "c"), pick("1", "2"), { noNullPrototype: true });
const container = fc.record(
  {
    name: pick("web", "side", "init"),
    image: pick("nginx", "nginx:2", "busybox"),
    args: small(pick("-v", "-q")),
    env: small(fc.record({ name: pick("A", "B"), value: pick("x", "y") })),
    resources: fc.record({ limits: dict }, { requiredKeys: [] }),
  },
  { requiredKeys: ["name"] },
);
const podArb = fc.record(
  {
    metadata: fc.record(
      { labels: dict, annotations: dict, finalizers: small(pick("f1", "f2")) },
      {
        requiredKeys: [],
      },
    ),
    spec: fc.record(
      {
        containers: small(container),
        nodeName: pick("n1", "n2"),
        nodeSelector: dict,
        tolerations: small(fc.record({ key: pick("k1", "k2") })),
      },
      { requiredKeys: [] },
    ),
    status: fc.record(
      {
        phase: pick("Pending", "Running"),
        conditions: small(fc.record({ type: pick("Ready", "Scheduled"), status: pick("True") })),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["metadata"] },
);

/** A pod as a client sends it: identity fields, and managedFields echoed or not. */
function asPod(p: Record<string, unknown>, managedFields: unknown): KObject {
  const metadata = { ...(p.metadata as object), name: "p", namespace: "ns", uid: "u1" };
  if (managedFields !== undefined) Object.assign(metadata, { managedFields });
  return { apiVersion: "v1", kind: "Pod", ...p, metadata } as KObject;
}

const write = fc.record({
  pod: podArb,
  // Mostly one manager, so it often rewrites its own fields (the shortcut).
  manager: pick("kubelet", "kubelet", "kubelet", "kubectl", "m3", "m4", "m5", "m6"),
  subresource: pick("status", "status", ""),
  apiVersion: pick("v1", "v1", "v1beta1"),
  time: pick("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"),
  echo: fc.boolean(),
  /** Keep the previous object and change one status or spec field only. */
  small: fc.option(
    fc.record({ phase: pick("Pending", "Running", "Failed"), node: pick("n1", "n2", "n3") }),
  ),
});

/** The write's managedFields through the shortcuts, checked equal to the full computation's. */
function sameAsFull(
  stored: KObject | undefined,
  next: KObject,
  w: { manager: string; apiVersion: string; time: string; subresource: string },
): KObject {
  const info: ManagerInfo = {
    manager: w.manager,
    apiVersion: w.apiVersion,
    time: w.time,
    subresource: w.subresource || undefined,
    ignoredFields: w.subresource === "status" ? [["f:spec"]] : [["f:status"]],
  };
  const fast = updateManagedFields(stored, next, info, podSchema);
  const full = fullUpdate(stored, structuredClone(next), info, podSchema);
  assert.equal(
    JSON.stringify(fast.metadata?.managedFields),
    JSON.stringify(full.metadata?.managedFields),
  );
  return fast;
}

test("property: managedFields from the shortcuts equal the full computation", () => {
  fc.assert(
    fc.property(fc.array(write, { minLength: 1, maxLength: 12 }), (writes) => {
      let stored: KObject | undefined;
      for (const w of writes) {
        let body: Record<string, unknown> = w.pod;
        if (w.small && stored) {
          const prev = structuredClone(stored) as Record<string, any>;
          prev.status = { ...prev.status, phase: w.small.phase };
          prev.spec = { ...prev.spec, nodeName: w.small.node };
          body = prev;
        }
        const sent = w.echo ? stored?.metadata?.managedFields : undefined;
        const next = asPod(body, sent === undefined ? undefined : structuredClone(sent));
        const fast = sameAsFull(stored, next, w);
        // Storage round trip: the next write reads entries parsed from JSON.
        stored = JSON.parse(JSON.stringify(fast)) as KObject;
      }
    }),
    { numRuns: 300 },
  );
});

/** Changes some leaves the previous object already holds (the restamp-only shortcut's case). */
const leafEdit = fc.record({
  image: fc.option(pick("nginx", "nginx:3")),
  label: fc.option(pick("1", "2", "3")),
  condition: fc.option(pick("True", "False")),
  env: fc.option(pick("x", "z")),
  phase: fc.option(pick("Pending", "Failed")),
});

function editLeaves(
  prev: Record<string, any>,
  e: typeof leafEdit extends fc.Arbitrary<infer T> ? T : never,
) {
  const obj = structuredClone(prev);
  const container = obj.spec?.containers?.[0];
  if (e.image !== null && container) container.image = e.image;
  if (e.env !== null && container?.env?.[0]) container.env[0].value = e.env;
  const labels = obj.metadata?.labels;
  if (e.label !== null && labels && Object.keys(labels).length)
    labels[Object.keys(labels)[0]] = e.label;
  const condition = obj.status?.conditions?.[0];
  if (e.condition !== null && condition) condition.status = e.condition;
  if (e.phase !== null && obj.status?.phase) obj.status.phase = e.phase;
  return obj;
}

test("property: writes changing only existing leaves give the full computation's managedFields", () => {
  const step = fc.record({ write, edit: leafEdit });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
      let stored: KObject | undefined;
      for (const { write: w, edit } of steps) {
        const body = stored ? editLeaves(stored, edit) : w.pod;
        const sent = w.echo ? stored?.metadata?.managedFields : undefined;
        const next = asPod(body, sent === undefined ? undefined : structuredClone(sent));
        if (!w.echo) delete next.metadata?.managedFields;
        const fast = sameAsFull(stored, next, w);
        stored = JSON.parse(JSON.stringify(fast)) as KObject;
      }
    }),
    { numRuns: 300 },
  );
});

const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-01T00:00:05Z";
const kubelet = (time: string): ManagerInfo => ({
  manager: "kubelet",
  apiVersion: "v1",
  time,
  subresource: "status",
  ignoredFields: [["f:spec"]],
});
const withStatus = (status: Record<string, unknown>, managedFields?: unknown): KObject =>
  asPod({ metadata: {}, spec: { nodeName: "n1" }, status }, managedFields);

const cases: {
  name: string;
  /** The stored kubelet entry's fieldsV1. */
  stored: Record<string, unknown>;
  status: Record<string, unknown>;
  /** The kubelet entry after writing `status` at T2. */
  want: Record<string, unknown>;
}[] = [
  {
    name: "own field rewritten: set kept, time moves",
    stored: { "f:status": { "f:phase": {} } },
    status: { phase: "Failed" },
    want: { "f:status": { "f:phase": {} } },
  },
  {
    name: "new field added to own set",
    stored: { "f:status": { "f:phase": {} } },
    status: { phase: "Failed", conditions: [{ type: "Ready", status: "True" }] },
    want: {
      "f:status": {
        "f:conditions": {
          'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} },
        },
        "f:phase": {},
      },
    },
  },
  {
    name: "stored entry in a non-canonical order is written canonically",
    stored: { "f:status": { "f:phase": {}, "f:conditions": {} } },
    status: { phase: "Failed", conditions: [] },
    want: { "f:status": { "f:conditions": {}, "f:phase": {} } },
  },
  {
    name: "stored `.` without children is written as a leaf",
    stored: { "f:status": { "f:phase": { ".": {} } } },
    status: { phase: "Failed" },
    want: { "f:status": { "f:phase": {} } },
  },
];

for (const c of cases) {
  test(`kubelet status write: ${c.name}`, () => {
    const entry = {
      manager: "kubelet",
      operation: "Update",
      apiVersion: "v1",
      time: T1,
      fieldsType: "FieldsV1",
      fieldsV1: c.stored,
      subresource: "status",
    };
    const old = withStatus({ phase: "Running", conditions: [] }, [entry]);
    const out = updateManagedFields(old, withStatus(c.status), kubelet(T2), podSchema);
    assert.deepEqual(out.metadata?.managedFields, [{ ...entry, time: T2, fieldsV1: c.want }]);
    assert.equal(
      JSON.stringify(out.metadata?.managedFields?.[0].fieldsV1),
      JSON.stringify(c.want),
      "key order",
    );
  });
}

test("kubelet rewriting its own status field keeps the stored fieldsV1 object", () => {
  const fieldsV1 = { "f:status": { "f:conditions": {}, "f:phase": {} } };
  const entry = { manager: "kubelet", operation: "Update", apiVersion: "v1", time: T1 };
  const stored = [{ ...entry, fieldsType: "FieldsV1", fieldsV1, subresource: "status" }];
  const old = withStatus({ phase: "Running", conditions: [] }, stored);
  const out = updateManagedFields(
    old,
    withStatus({ phase: "Failed", conditions: [] }),
    kubelet(T2),
    podSchema,
  );
  assert.equal(out.metadata?.managedFields?.[0].time, T2);
  assert.equal(out.metadata?.managedFields?.[0].fieldsV1, fieldsV1, "same object, not re-encoded");
});

test("a leaf the writer shares with another manager leaves the other's set (no restamp-only write)", () => {
  const kubeletEntry = {
    manager: "kubelet",
    operation: "Update",
    apiVersion: "v1",
    time: T1,
    fieldsType: "FieldsV1",
    fieldsV1: { "f:status": { "f:phase": {} } },
    subresource: "status",
  };
  const applier = {
    manager: "ctl",
    operation: "Apply",
    apiVersion: "v1",
    time: T1,
    fieldsType: "FieldsV1",
    fieldsV1: { "f:status": { "f:phase": {}, "f:reason": {} } },
    subresource: "status",
  };
  const old = withStatus({ phase: "Running", reason: "r" }, [applier, kubeletEntry]);
  const next = withStatus({ phase: "Failed", reason: "r" });
  const out = updateManagedFields(old, next, kubelet(T2), podSchema);
  assert.deepEqual(out.metadata?.managedFields, [
    { ...applier, fieldsV1: { "f:status": { "f:reason": {} } } },
    { ...kubeletEntry, time: T2 },
  ]);
  const full = fullUpdate(old, next, kubelet(T2), podSchema);
  assert.deepEqual(out.metadata?.managedFields, full.metadata?.managedFields);
});
