import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { serverSideApply } from "./server-side-apply.ts";
import { applyConflictMessage } from "./apply-conflict-error.ts";
import { updateManagedFields } from "./managed-fields.ts";
import { LAST_APPLIED_ANNOTATION } from "./last-applied.ts";
import { deploymentSchema } from "./testing-schemas.ts";

const T1 = "2026-01-01T00:00:00Z";
const opts = (manager: string) => ({ manager, apiVersion: "apps/v1", time: T1, force: false });

const config = (replicas: number): KObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { replicas },
});

/** A Deployment as `kubectl apply` (client side) creates it. */
function clientSideApplied(replicas: number): KObject {
  const body = config(replicas);
  body.metadata!.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(config(replicas)) };
  return updateManagedFields(
    undefined,
    body,
    { manager: "kubectl-client-side-apply", apiVersion: "apps/v1", time: T1 },
    deploymentSchema,
  );
}

test("kubectl's server-side apply may take fields it last applied client-side", () => {
  const live = clientSideApplied(1);
  const r = serverSideApply(live, config(2), opts("kubectl"), deploymentSchema);
  assert.ok("object" in r, "conflicts" in r ? applyConflictMessage(r.conflicts) : "");
  assert.equal((r.object.spec as { replicas: number }).replicas, 2);
  assert.equal(
    r.object.metadata!.annotations![LAST_APPLIED_ANNOTATION],
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}',
    "the annotation follows the server-side apply, keys sorted as Go marshals them",
  );
  const owners = r.object.metadata!.managedFields!.map((e) => e.manager);
  assert.deepEqual(owners, ["kubectl", "kubectl-client-side-apply"]);
});

test("other managers still conflict with client-side-applied fields", () => {
  const r = serverSideApply(clientSideApplied(1), config(2), opts("helm"), deploymentSchema);
  assert.ok("conflicts" in r);
  assert.equal(
    applyConflictMessage(r.conflicts),
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
});

test("kubectl conflicts on fields the annotation does not cover", () => {
  const live = clientSideApplied(1);
  live.spec = { replicas: 1, paused: true };
  const edited = updateManagedFields(
    clientSideApplied(1),
    live,
    { manager: "kubectl-edit", apiVersion: "apps/v1", time: T1 },
    deploymentSchema,
  );
  const r = serverSideApply(
    edited,
    { ...config(2), spec: { replicas: 2, paused: false } },
    opts("kubectl"),
    deploymentSchema,
  );
  assert.ok("conflicts" in r);
  assert.deepEqual(
    r.conflicts.map((c) => `${c.manager} ${c.field}`),
    ["kubectl-edit .spec.paused"],
  );
});

test("an object without managedFields: its fields belong to before-first-apply", () => {
  const live = config(1);
  const r = serverSideApply(live, config(2), opts("ci"), deploymentSchema);
  assert.ok("conflicts" in r);
  assert.equal(
    applyConflictMessage(r.conflicts),
    'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
  );
  const same = serverSideApply(live, config(1), opts("ci"), deploymentSchema);
  assert.ok("object" in same);
  assert.deepEqual(
    same.object.metadata!.managedFields!.map((e) => [e.manager, e.operation]),
    [
      ["ci", "Apply"],
      ["before-first-apply", "Update"],
    ],
  );
});
