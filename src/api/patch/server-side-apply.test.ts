import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { serverSideApply } from "./server-side-apply.ts";
import type { ApplyOptions, ApplyResult } from "./server-side-apply.ts";
import { applyConflictError, applyConflictMessage } from "./apply-conflict-error.ts";
import { updateManagedFields } from "./managed-fields.ts";
import { deploymentSchema } from "./testing-schemas.ts";
import { StatusError } from "../status.ts";

const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-01T00:05:00Z";
const opts = (manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
  manager,
  apiVersion: "apps/v1",
  time: T1,
  force: false,
  ...extra,
});

type Container = { name: string; image?: string };
const deploy = (spec: {
  replicas?: number;
  containers?: Container[];
  labels?: Record<string, string>;
}): KObject => {
  const obj: KObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } };
  if (spec.labels) obj.metadata!.labels = spec.labels;
  const s: Record<string, unknown> = {};
  if (spec.replicas !== undefined) s.replicas = spec.replicas;
  if (spec.containers) s.template = { spec: { containers: spec.containers } };
  obj.spec = s;
  return obj;
};

function ok(r: ApplyResult): KObject {
  if ("conflicts" in r) assert.fail(`unexpected conflicts: ${applyConflictMessage(r.conflicts)}`);
  return r.object;
}

const withoutMF = (o: KObject) => {
  const { managedFields: _, ...metadata } = o.metadata ?? {};
  return { ...o, metadata };
};

test("SSA create: the object is the configuration, owned by the applier", () => {
  const applied = deploy({
    replicas: 2,
    labels: { app: "web" },
    containers: [{ name: "web", image: "nginx" }],
  });
  const obj = ok(serverSideApply(undefined, applied, opts("kubectl"), deploymentSchema));
  assert.deepEqual(withoutMF(obj), applied);
  assert.deepEqual(obj.metadata!.managedFields, [
    {
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "apps/v1",
      time: T1,
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:replicas": {},
          "f:template": {
            "f:spec": {
              "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
            },
          },
        },
      },
    },
  ]);
});

test("SSA update by the same manager removes fields it stopped applying", () => {
  const first = ok(
    serverSideApply(
      undefined,
      deploy({
        replicas: 2,
        labels: { app: "web", tier: "fe" },
        containers: [
          { name: "a", image: "a" },
          { name: "b", image: "b" },
        ],
      }),
      opts("kubectl"),
      deploymentSchema,
    ),
  );
  const second = ok(
    serverSideApply(
      first,
      deploy({ labels: { app: "web" }, containers: [{ name: "a", image: "a2" }] }),
      opts("kubectl", { time: T2 }),
      deploymentSchema,
    ),
  );
  assert.deepEqual(
    withoutMF(second),
    deploy({ labels: { app: "web" }, containers: [{ name: "a", image: "a2" }] }),
  );
  assert.equal(second.metadata!.managedFields![0].time, T2);
});

test("SSA: a field the applier dropped stays when another manager owns it", () => {
  const a = ok(
    serverSideApply(
      undefined,
      deploy({ labels: { shared: "1", mine: "1" } }),
      opts("a"),
      deploymentSchema,
    ),
  );
  const ab = ok(
    serverSideApply(a, deploy({ labels: { shared: "1" } }), opts("b"), deploymentSchema),
  );
  const after = ok(serverSideApply(ab, deploy({ labels: {} }), opts("a"), deploymentSchema));
  assert.deepEqual(after.metadata!.labels, { shared: "1" });
});

test("SSA: list items merge by key across managers and are pruned per owner", () => {
  const a = ok(
    serverSideApply(
      undefined,
      deploy({ containers: [{ name: "a", image: "a" }] }),
      opts("a"),
      deploymentSchema,
    ),
  );
  const ab = ok(
    serverSideApply(
      a,
      deploy({ containers: [{ name: "b", image: "b" }] }),
      opts("b"),
      deploymentSchema,
    ),
  );
  const spec = (o: KObject) =>
    (o.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
  assert.deepEqual(spec(ab), [
    { name: "a", image: "a" },
    { name: "b", image: "b" },
  ]);
  const dropped = ok(serverSideApply(ab, deploy({ containers: [] }), opts("a"), deploymentSchema));
  assert.deepEqual(spec(dropped), [{ name: "b", image: "b" }]);
});

test("SSA conflict between two appliers, and force moves ownership", () => {
  const a = ok(serverSideApply(undefined, deploy({ replicas: 3 }), opts("a"), deploymentSchema));
  const r = serverSideApply(a, deploy({ replicas: 5 }), opts("b"), deploymentSchema);
  assert.ok("conflicts" in r);
  assert.deepEqual(r.conflicts, [
    {
      manager: "a",
      operation: "Apply",
      apiVersion: "apps/v1",
      subresource: undefined,
      field: ".spec.replicas",
    },
  ]);
  assert.equal(
    applyConflictMessage(r.conflicts),
    'Apply failed with 1 conflict: conflict with "a": .spec.replicas',
  );

  const forced = ok(
    serverSideApply(a, deploy({ replicas: 5 }), opts("b", { force: true }), deploymentSchema),
  );
  assert.equal((forced.spec as { replicas: number }).replicas, 5);
  const managers = forced.metadata!.managedFields!.map((e) => [e.manager, e.fieldsV1]);
  assert.deepEqual(
    managers,
    [["b", { "f:spec": { "f:replicas": {} } }]],
    "a owned only replicas and lost it",
  );
});

test("SSA: applying the same value as another manager shares ownership", () => {
  const a = ok(serverSideApply(undefined, deploy({ replicas: 3 }), opts("a"), deploymentSchema));
  const ab = ok(serverSideApply(a, deploy({ replicas: 3 }), opts("b"), deploymentSchema));
  assert.deepEqual(
    ab.metadata!.managedFields!.map((e) => e.manager),
    ["a", "b"],
  );
});

test("SSA conflict with an Update manager names its apiVersion; 409 Status shape", () => {
  const created = updateManagedFields(
    undefined,
    deploy({ replicas: 1, containers: [{ name: "web", image: "nginx" }] }),
    { manager: "kubectl-client-side-apply", apiVersion: "apps/v1", time: T1 },
    deploymentSchema,
  );
  const r = serverSideApply(
    created,
    deploy({ replicas: 2, containers: [{ name: "web", image: "httpd" }] }),
    opts("kubectl"),
    deploymentSchema,
  );
  assert.ok("conflicts" in r);
  const err = applyConflictError(r.conflicts);
  assert.ok(err instanceof StatusError);
  assert.deepEqual(err.toStatus(), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
      "- .spec.replicas\n" +
      '- .spec.template.spec.containers[name="web"].image',
    reason: "Conflict",
    details: {
      causes: [
        {
          reason: "FieldManagerConflict",
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: ".spec.replicas",
        },
        {
          reason: "FieldManagerConflict",
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.template.spec.containers[name="web"].image',
        },
      ],
    },
    code: 409,
  });
});

test("conflict message groups several managers in sorted order", () => {
  const msg = applyConflictMessage([
    { manager: "zeta", operation: "Apply", field: ".spec.replicas" },
    {
      manager: "alpha",
      operation: "Update",
      apiVersion: "v1",
      subresource: "status",
      field: ".status.phase",
    },
    { manager: "zeta", operation: "Apply", field: ".metadata.labels.app" },
  ]);
  assert.equal(
    msg,
    "Apply failed with 3 conflicts: " +
      'conflicts with "alpha" with subresource "status" using v1:\n- .status.phase\n' +
      'conflicts with "zeta":\n- .spec.replicas\n- .metadata.labels.app',
  );
});

test("re-applying an identical configuration keeps the time", () => {
  const a = ok(serverSideApply(undefined, deploy({ replicas: 3 }), opts("a"), deploymentSchema));
  const again = ok(
    serverSideApply(a, deploy({ replicas: 3 }), opts("a", { time: T2 }), deploymentSchema),
  );
  assert.deepEqual(again, a);
});

test("SSA rejects configurations it cannot key, and sent managedFields", () => {
  const noName = deploy({ containers: [{ image: "x" } as Container] });
  assert.throws(
    () => serverSideApply(undefined, noName, opts("a"), deploymentSchema),
    (e: unknown) =>
      e instanceof StatusError &&
      e.code === 400 &&
      // Named as upstream's objectGVKNN: the configuration's namespace (none) and name.
      e.message.startsWith(
        "failed to create typed patch object (/web; apps/v1, Kind=Deployment): ",
      ) &&
      /omits key field "name"/.test(e.message),
  );
  const withMF = { ...deploy({}), metadata: { name: "web", managedFields: [] } } as KObject;
  assert.throws(
    () => serverSideApply(undefined, withMF, opts("a"), deploymentSchema),
    (e: unknown) => e instanceof StatusError && e.message === "metadata.managedFields must be nil",
  );
});

test("SSA: explicit null removes a field; atomic selector replaced whole", () => {
  const live = ok(
    serverSideApply(
      undefined,
      {
        ...deploy({ replicas: 1 }),
        spec: { replicas: 1, selector: { matchLabels: { a: "1", b: "2" } } },
      },
      opts("a"),
      deploymentSchema,
    ),
  );
  const out = ok(
    serverSideApply(
      live,
      { ...deploy({}), spec: { replicas: null, selector: { matchLabels: { c: "3" } } } },
      opts("a"),
      deploymentSchema,
    ),
  );
  assert.deepEqual(out.spec, { selector: { matchLabels: { c: "3" } } });
});
