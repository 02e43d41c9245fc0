import { test } from "node:test";
import assert from "node:assert/strict";
import {
  configMap,
  moveRevision,
  useTestServer,
  withStoreUpdateHook,
} from "./testing/test-server.ts";
import { warningHeader, warningHeaders } from "./handlers/common.ts";
import { conflict } from "../api/status.ts";

const t = useTestServer();

const CMS = "/api/v1/namespaces/default/configmaps";

/** The same JSON value with every object's members in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).reverse()) out[k] = reversed((v as Record<string, unknown>)[k]);
  return out;
}

test("a patch whose result lacks apiVersion or kind still drops the unknown fields it adds", async () => {
  const made = await t.call("POST", CMS, { ...configMap("typeless-patch"), data: { a: "1" } });
  assert.equal(made.status, 201, made.text);
  const json = await t.call(
    "PATCH",
    `${CMS}/typeless-patch`,
    JSON.stringify([
      { op: "remove", path: "/kind" },
      { op: "add", path: "/bogus", value: 1 },
    ]),
    { "Content-Type": "application/json-patch+json" },
  );
  assert.equal(json.status, 200, json.text);
  assert.match(json.headers.get("warning") ?? "", /unknown field \\"bogus\\"/);
  const merge = await t.call(
    "PATCH",
    `${CMS}/typeless-patch`,
    JSON.stringify({ kind: null, bogus2: 2 }),
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(merge.status, 200, merge.text);
  const stored = (await t.call("GET", `${CMS}/typeless-patch`)).body;
  assert.deepEqual(Object.keys(stored).sort(), ["apiVersion", "data", "kind", "metadata"]);
  // Nothing of the client's was left to warn about on the next patch.
  const next = await t.call(
    "PATCH",
    `${CMS}/typeless-patch`,
    JSON.stringify({ data: { b: "2" } }),
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(next.status, 200, next.text);
  assert.equal(next.headers.get("warning"), null);
});

test("a reordered unchanged PUT writes nothing in a version other than the stored one", async () => {
  const EVENTS = "/apis/events.k8s.io/v1/namespaces/default/events";
  const ev = await t.call("POST", EVENTS, {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "reordered-event" },
    eventTime: "2026-01-01T00:00:00.000000Z",
    reportingController: "x/y",
    reportingInstance: "i",
    action: "A",
    reason: "R",
    type: "Normal",
    regarding: { kind: "Pod", name: "p", namespace: "default" },
  });
  assert.equal(ev.status, 201, ev.text);
  const put = await t.call("PUT", `${EVENTS}/reordered-event`, reversed(ev.body));
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.metadata.resourceVersion, ev.body.metadata.resourceVersion);

  const HPA = "/apis/autoscaling/{v}/namespaces/default/horizontalpodautoscalers";
  const hpa = await t.call("POST", HPA.replace("{v}", "v2"), {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "reordered-hpa" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
    },
  });
  assert.equal(hpa.status, 201, hpa.text);
  const v1 = (await t.call("GET", `${HPA.replace("{v}", "v1")}/reordered-hpa`)).body;
  const same = await t.call("PUT", `${HPA.replace("{v}", "v1")}/reordered-hpa`, reversed(v1));
  assert.equal(same.status, 200, same.text);
  assert.equal(same.body.metadata.resourceVersion, v1.metadata.resourceVersion);
  const changed = await t.call("PUT", `${HPA.replace("{v}", "v1")}/reordered-hpa`, {
    ...(reversed(v1) as object),
    spec: { ...v1.spec, maxReplicas: 4 },
  });
  assert.equal(changed.status, 200, changed.text);
  assert.notEqual(changed.body.metadata.resourceVersion, v1.metadata.resourceVersion);
});

test("warnings: each text once, and past 4,096 bytes cut to 256 characters each (upstream's recorder)", async () => {
  assert.deepEqual(warningHeaders(["a", "b", "a", ""]), ['299 - "a"', '299 - "b"']);
  const long = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(300, "x"));
  const cut = warningHeaders(long);
  // Replayed cut at the 14th (13 x 308 bytes fit), then added while below 4,096 bytes.
  assert.equal(cut.length, 16);
  assert.ok(cut.every((h) => h.length === 256 + 8));
  assert.equal(cut[0], `299 - "${long[0].slice(0, 256)}"`);
  assert.equal(cut[15], `299 - "${long[15].slice(0, 256)}"`);
  // Quoted as upstream: only " and \ escaped; control characters and lone surrogates dropped.
  assert.equal(warningHeader('a "b" \\ c'), '299 - "a \\"b\\" \\\\ c"');
  assert.equal(warningHeader("my\ntext"), undefined);
  assert.equal(warningHeader("tab\there"), undefined);
  assert.equal(warningHeader("lone \ud800"), undefined);
  // UTF-8 bytes, carried as latin1 chars (Node writes one byte per char).
  const utf8 = warningHeader("clé ключ 😀") ?? "";
  assert.equal(Buffer.from(utf8, "latin1").toString("utf8"), '299 - "clé ключ 😀"');

  // 800 unknown fields: the object is stored and the answer's headers stay readable.
  const body: Record<string, unknown> = configMap("many-unknown");
  for (let i = 0; i < 800; i++) body[`unknownFieldNumber${i}`] = i;
  const made = await t.call("POST", CMS, body);
  assert.equal(made.status, 201, made.text);
  const header = made.headers.get("warning") ?? "";
  assert.match(header, /unknownFieldNumber0/);
  assert.ok(header.length < 8192, `${header.length} bytes of warnings`);

  // A patch retried after conflicts warns once.
  let moved = 0;
  const r = await withStoreUpdateHook(
    t,
    async (_def, obj) => {
      if (obj.metadata?.name !== "many-unknown" || moved >= 3) return;
      moved++;
      await moveRevision(t, "/registry/configmaps/default/many-unknown");
    },
    () =>
      t.call("PATCH", `${CMS}/many-unknown`, JSON.stringify({ data: { b: "2" }, bogus: 1 }), {
        "Content-Type": "application/merge-patch+json",
      }),
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(moved, 3);
  assert.equal(r.headers.get("warning"), '299 - "unknown field \\"bogus\\""');
});

test("a warning naming a field outside Latin-1 goes out as UTF-8, and the write answers 201", async () => {
  const made = await t.call("POST", CMS, { ...configMap("warn-utf8"), ключ: 1, clé: 2 });
  assert.equal(made.status, 201, made.text);
  const raw = made.headers.get("warning") ?? "";
  assert.equal(
    Buffer.from(raw, "latin1").toString("utf8"),
    '299 - "unknown field \\"ключ\\"", 299 - "unknown field \\"clé\\""',
  );
  const stored = await t.call("GET", `${CMS}/warn-utf8`);
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.body.ключ, undefined);
});

test("a Scale PUT names its object as any PUT does (upstream's checkName)", async () => {
  const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
  const made = await t.call("POST", DEPLOYS, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "scaled" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: "b" } },
      template: {
        metadata: { labels: { a: "b" } },
        spec: { containers: [{ name: "c", image: "i" }] },
      },
    },
  });
  assert.equal(made.status, 201, made.text);
  const scale = `${DEPLOYS}/scaled/scale`;
  const nameless = await t.call("PUT", scale, {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    spec: { replicas: 2 },
  });
  assert.equal(nameless.status, 400, nameless.text);
  assert.equal(
    nameless.body.message,
    "the name of the object (scaled based on URL) was undeterminable: name must be provided",
  );
  const elsewhere = await t.call("PUT", scale, {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: "scaled", namespace: "other" },
    spec: { replicas: 3 },
  });
  assert.equal(elsewhere.status, 400, elsewhere.text);
  assert.equal(
    elsewhere.body.message,
    "the namespace of the object (other) does not match the namespace on the request (default)",
  );
  const ok = await t.call("PUT", scale, {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: "scaled" },
    spec: { replicas: 4 },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await t.call("GET", `${DEPLOYS}/scaled`)).body.spec.replicas, 4);
});

test("a PUT that loses its object to a DELETE creates it where create on update is allowed", async () => {
  const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
  const lease = (holder: string) => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "raced" },
    spec: { holderIdentity: holder },
  });
  const made = await t.call("POST", LEASES, lease("a"));
  assert.equal(made.status, 201, made.text);
  const cm = await t.call("POST", CMS, configMap("raced"));
  assert.equal(cm.status, 201, cm.text);
  const deleted: string[] = [];
  await withStoreUpdateHook(
    t,
    async (def, obj) => {
      if (obj.metadata?.name !== "raced" || deleted.includes(def.resource)) return;
      deleted.push(def.resource);
      await t.backend.delete(`/registry/${def.resource}/default/raced`);
    },
    async () => {
      const put = await t.call("PUT", `${LEASES}/raced`, lease("b"));
      assert.equal(put.status, 201, put.text);
      assert.equal(put.body.spec.holderIdentity, "b");
      assert.notEqual(put.body.metadata.uid, made.body.metadata.uid);
      const gone = await t.call("PUT", `${CMS}/raced`, { ...configMap("raced"), data: { k: "w" } });
      assert.equal(gone.status, 404, gone.text);
    },
  );
  assert.deepEqual(deleted.sort(), ["configmaps", "leases"]);
});

test("a binding whose storage keeps answering Conflict at an unmoved revision gives up with 409", async () => {
  const made = await t.call("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stuck-binding" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(made.status, 201, made.text);
  let tries = 0;
  const bound = await withStoreUpdateHook(
    t,
    async (_def, obj) => {
      if (obj.metadata?.name !== "stuck-binding") return;
      tries++;
      throw conflict("", "pods", "stuck-binding", "the object has been modified");
    },
    () =>
      t.call("POST", "/api/v1/namespaces/default/pods/stuck-binding/binding", {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: "stuck-binding" },
        target: { apiVersion: "v1", kind: "Node", name: "n1" },
      }),
  );
  assert.equal(bound.status, 409, bound.text);
  assert.ok(tries >= 2 && tries <= 32, `${tries} attempts`);
});

test("a PUT body's uid is a precondition: no write over another incarnation, no re-creation", async () => {
  const LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
  const lease = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, ...extra },
    spec: { holderIdentity: "a" },
  });
  const first = (await t.call("POST", LEASES, lease("uid-l1"))).body;
  assert.equal((await t.call("DELETE", `${LEASES}/uid-l1`)).status, 200);
  const second = (await t.call("POST", LEASES, lease("uid-l1"))).body;
  const stale = structuredClone(first);
  delete stale.metadata.resourceVersion;
  stale.spec.holderIdentity = "stale-writer";
  const over = await t.call("PUT", `${LEASES}/uid-l1`, stale);
  assert.equal(over.status, 409, over.text);
  assert.equal(
    over.body.message,
    `Operation cannot be fulfilled on leases.coordination.k8s.io "uid-l1": Precondition failed: UID in precondition: ${first.metadata.uid}, UID in object meta: ${second.metadata.uid}`,
  );
  assert.equal((await t.call("GET", `${LEASES}/uid-l1`)).body.spec.holderIdentity, "a");

  // Absent objects with a uid in the body: 409 where create on update is allowed and where not.
  const uid = "0b5e8a51-0000-4000-8000-000000000001";
  for (const [path, body] of [
    [`${LEASES}/uid-absent`, lease("uid-absent", { uid })],
    [
      "/api/v1/namespaces/default/services/uid-absent",
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "uid-absent", uid },
        spec: { ports: [{ port: 80 }] },
      },
    ],
    [`${CMS}/uid-absent`, { ...configMap("uid-absent"), metadata: { name: "uid-absent", uid } }],
  ] as const) {
    const r = await t.call("PUT", path, body);
    assert.equal(r.status, 409, `${path}: ${r.text}`);
    assert.match(r.body.message, /UID in precondition: 0b5e8a51-.*, UID in object meta: $/);
    assert.equal((await t.call("GET", path)).status, 404);
  }

  // A terminating Lease whose last finalizer two clients remove: the loser does not re-create it.
  const fin = await t.call("POST", LEASES, lease("uid-fin", { finalizers: ["example.com/x"] }));
  assert.equal(fin.status, 201, fin.text);
  assert.equal((await t.call("DELETE", `${LEASES}/uid-fin`)).status, 202);
  const terminating = (await t.call("GET", `${LEASES}/uid-fin`)).body;
  assert.ok(terminating.metadata.deletionTimestamp);
  const unfinalized = () => {
    const copy = structuredClone(terminating);
    copy.metadata.finalizers = [];
    delete copy.metadata.resourceVersion;
    return copy;
  };
  const store = t.server.context.store;
  const del = store.delete;
  let other: { status: number } | undefined;
  let raced = false;
  store.delete = async (...a: Parameters<typeof del>) => {
    if (!raced) {
      raced = true;
      other = await t.call("PUT", `${LEASES}/uid-fin`, unfinalized());
    }
    return del.apply(store, a);
  };
  try {
    const mine = await t.call("PUT", `${LEASES}/uid-fin`, unfinalized());
    assert.equal(other?.status, 200);
    assert.equal(mine.status, 409, mine.text);
  } finally {
    store.delete = del;
  }
  assert.equal((await t.call("GET", `${LEASES}/uid-fin`)).status, 404);
});
