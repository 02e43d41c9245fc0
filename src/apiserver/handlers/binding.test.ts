import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline, type AdmissionAttributes } from "../pipeline.ts";
import { useTestServer } from "../testing/test-server.ts";

/** What the test admission plugin saw of each pods/binding request. */
const admitted: { operation: string; subresource: string; kind?: string; target?: unknown }[] = [];
const pipeline = defaultPipeline();
pipeline.admission.push({
  name: "RecordBindings",
  admit(attrs: AdmissionAttributes) {
    if (attrs.def.resource !== "pods" || attrs.subresource !== "binding") return;
    admitted.push({
      operation: attrs.operation,
      subresource: attrs.subresource,
      kind: attrs.object?.kind,
      target: attrs.object?.target,
    });
    // A mutating plugin may change the Binding: its target is what is stored.
    if (attrs.object?.metadata?.annotations?.["test/redirect"])
      attrs.object.target = { kind: "Node", name: "redirected" };
  },
});
const t = useTestServer({ pipeline });

const pods = "/api/v1/namespaces/default/pods";
const pod = (
  name: string,
  spec: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...meta },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});
const binding = (name: string, node: string, meta: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Binding",
  metadata: { name, ...meta },
  target: { kind: "Node", name: node },
});

test("a binding sets nodeName, its annotations and PodScheduled=True, nothing else", async () => {
  const created = await t.call("POST", pods, pod("p1", {}, { annotations: { keep: "me" } }));
  assert.equal(created.status, 201, created.text);
  // The scheduler reported a failure first: the binding's condition replaces it.
  const unschedulable = await t.call(
    "PATCH",
    `${pods}/p1/status`,
    {
      status: {
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available",
            lastTransitionTime: "2025-12-31T00:00:00Z",
          },
        ],
      },
    },
    { "Content-Type": "application/strategic-merge-patch+json" },
  );
  assert.equal(unschedulable.status, 200, unschedulable.text);
  const before = unschedulable.body;

  const bound = await t.call(
    "POST",
    `${pods}/p1/binding`,
    binding("p1", "n1", { annotations: { "scheduler/hint": "x" } }),
  );
  assert.equal(bound.status, 201, bound.text);
  assert.equal(bound.body.kind, "Status");
  assert.equal(bound.body.status, "Success");

  const after = (await t.call("GET", `${pods}/p1`)).body;
  assert.equal(after.spec.nodeName, "n1");
  assert.deepEqual(after.metadata.annotations, { keep: "me", "scheduler/hint": "x" });
  assert.deepEqual(after.status.conditions, [
    {
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: new Date(t.clock.now()).toISOString().replace(".000Z", "Z"),
    },
  ]);
  assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
  // Nothing else changed: no managedFields entry, same spec otherwise, same phase.
  const { nodeName, ...restSpec } = after.spec;
  assert.equal(nodeName, "n1");
  assert.deepEqual(restSpec, before.spec);
  assert.deepEqual(after.metadata.managedFields, before.metadata.managedFields);
  assert.equal(after.status.phase, before.status.phase);
  assert.equal(after.metadata.uid, before.metadata.uid);
});

test("a bound pod keeps PodScheduled's transition time when bound status was already True", async () => {
  await t.call("POST", pods, pod("p2"));
  await t.call(
    "PATCH",
    `${pods}/p2/status`,
    {
      status: {
        conditions: [
          { type: "Ready", status: "False" },
          { type: "PodScheduled", status: "True", lastTransitionTime: "2025-06-01T00:00:00Z" },
        ],
      },
    },
    { "Content-Type": "application/strategic-merge-patch+json" },
  );
  assert.equal((await t.call("POST", `${pods}/p2/binding`, binding("p2", "n1"))).status, 201);
  const after = (await t.call("GET", `${pods}/p2`)).body;
  assert.deepEqual(
    after.status.conditions.map((c: { type: string; lastTransitionTime?: string }) => [
      c.type,
      c.lastTransitionTime,
    ]),
    [
      ["Ready", undefined],
      ["PodScheduled", "2025-06-01T00:00:00Z"],
    ],
  );
});

test("binding an already bound pod is 409 Conflict and changes nothing", async () => {
  await t.call("POST", pods, pod("p3"));
  assert.equal((await t.call("POST", `${pods}/p3/binding`, binding("p3", "n1"))).status, 201);
  const once = (await t.call("GET", `${pods}/p3`)).body;
  const again = await t.call("POST", `${pods}/p3/binding`, binding("p3", "n2"));
  assert.equal(again.status, 409, again.text);
  assert.equal(again.body.reason, "Conflict");
  assert.equal(
    again.body.message,
    'Operation cannot be fulfilled on pods/binding "p3": pod p3 is already assigned to node "n1"',
  );
  const still = (await t.call("GET", `${pods}/p3`)).body;
  assert.equal(still.spec.nodeName, "n1");
  assert.equal(still.metadata.resourceVersion, once.metadata.resourceVersion);
});

test("a pod being deleted or with scheduling gates cannot be bound", async () => {
  await t.call("POST", pods, pod("gone", {}, { finalizers: ["test/keep"] }));
  const deleted = await t.call("DELETE", `${pods}/gone`);
  assert.ok(deleted.status < 300, deleted.text);
  const deleting = await t.call("POST", `${pods}/gone/binding`, binding("gone", "n1"));
  assert.equal(deleting.status, 409, deleting.text);
  assert.match(deleting.body.message, /pod gone is being deleted, cannot be assigned to a host/);

  await t.call("POST", pods, pod("gated", { schedulingGates: [{ name: "test/wait" }] }));
  const gated = await t.call("POST", `${pods}/gated/binding`, binding("gated", "n1"));
  assert.equal(gated.status, 409, gated.text);
  assert.match(gated.body.message, /pod gated has non-empty \.spec\.schedulingGates/);
  assert.equal((await t.call("GET", `${pods}/gated`)).body.spec.nodeName, undefined);

  const missing = await t.call("POST", `${pods}/nope/binding`, binding("nope", "n1"));
  assert.equal(missing.status, 404, missing.text);
});

test("a Binding's uid and resourceVersion are preconditions", async () => {
  const created = (await t.call("POST", pods, pod("p4"))).body;
  const wrongUid = await t.call("POST", `${pods}/p4/binding`, binding("p4", "n1", { uid: "nope" }));
  assert.equal(wrongUid.status, 409, wrongUid.text);
  assert.match(wrongUid.body.message, /Precondition failed: UID in precondition: nope/);
  const stale = await t.call(
    "POST",
    `${pods}/p4/binding`,
    binding("p4", "n1", { resourceVersion: "1" }),
  );
  assert.equal(stale.status, 409, stale.text);
  assert.match(stale.body.message, /Precondition failed: ResourceVersion in precondition: 1/);
  const right = await t.call(
    "POST",
    `${pods}/p4/binding`,
    binding("p4", "n1", {
      uid: created.metadata.uid,
      resourceVersion: created.metadata.resourceVersion,
    }),
  );
  assert.equal(right.status, 201, right.text);
});

test("a dry-run binding checks but does not bind", async () => {
  await t.call("POST", pods, pod("p5"));
  const dry = await t.call("POST", `${pods}/p5/binding?dryRun=All`, binding("p5", "n1"));
  assert.equal(dry.status, 201, dry.text);
  assert.equal((await t.call("GET", `${pods}/p5`)).body.spec.nodeName, undefined);
});

test("admission sees a CREATE of the Binding, and a mutated target is the one stored", async () => {
  await t.call("POST", pods, pod("p6"));
  admitted.length = 0;
  const bound = await t.call(
    "POST",
    `${pods}/p6/binding`,
    binding("p6", "n1", { annotations: { "test/redirect": "yes" } }),
  );
  assert.equal(bound.status, 201, bound.text);
  assert.deepEqual(admitted, [
    {
      operation: "CREATE",
      subresource: "binding",
      kind: "Binding",
      target: { kind: "Node", name: "n1" },
    },
  ]);
  assert.equal((await t.call("GET", `${pods}/p6`)).body.spec.nodeName, "redirected");
});

test("a binding's MODIFIED watch event carries the bound pod", async () => {
  const created = (await t.call("POST", pods, pod("p7"))).body;
  const res = await fetch(
    `${t.server.url}${pods}?watch=true&fieldSelector=metadata.name%3Dp7&resourceVersion=${created.metadata.resourceVersion}`,
  );
  const reader = res.body!.getReader();
  assert.equal((await t.call("POST", `${pods}/p7/binding`, binding("p7", "n7"))).status, 201);
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  const ev = JSON.parse(text.slice(0, text.indexOf("\n")));
  assert.equal(ev.type, "MODIFIED");
  assert.equal(ev.object.spec.nodeName, "n7");
  assert.equal(ev.object.status.conditions.at(-1).type, "PodScheduled");
  const stored = (await t.call("GET", `${pods}/p7`)).body;
  assert.deepEqual(ev.object, stored);
});
