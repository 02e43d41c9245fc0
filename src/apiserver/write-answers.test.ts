/**
 * What a write answers, and what its watch event carries, is what a read of
 * the stored bytes returns, to the byte (key order included): the answer is
 * the written object itself when nothing converts it, and the watch cache
 * takes the decoding announced by the writer instead of parsing the event.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ResourceDef } from "../api/types.ts";
import { cronTabCRD } from "../apiextensions/testing.ts";
import { objectKey } from "./object-store.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 60_000 });
  const r = await t.call(
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    cronTabCRD(),
  );
  assert.equal(r.status, 201, r.text);
  for (let i = 0; ; i++) {
    if ((await t.call("GET", "/apis/stable.example.com/v1")).status === 200) break;
    if (i > 2000) assert.fail("the CronTab CRD is never served");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});
after(async () => {
  await t.close();
});

const MERGE = { "Content-Type": "application/merge-patch+json" };

/** The def serving path's resource (the first path segment after the version, namespaced). */
function defOf(group: string, version: string, resource: string): ResourceDef {
  const def = t.server.context.registry.get(group, version, resource);
  assert.ok(def, `${group}/${version}/${resource} is served`);
  return def;
}

/** JSON of the object as decoded from the bytes storage holds now. */
async function storedJson(def: ResourceDef, name: string): Promise<string> {
  const kv = (await t.backend.get(objectKey(def, "default", name))).kv;
  assert.ok(kv, `${def.resource}/${name} is stored`);
  return JSON.stringify(t.server.context.store.decode(def, kv));
}

/** Opens a watch and returns a reader of its events' objects as JSON text. */
async function openWatch(path: string) {
  const controller = new AbortController();
  const res = await fetch(t.server.url + path, { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<{ type: string; json: string }> {
      for (;;) {
        const nl = buffer.indexOf("\n");
        if (nl >= 0) {
          const line = JSON.parse(buffer.slice(0, nl)) as { type: string; object: unknown };
          buffer = buffer.slice(nl + 1);
          return { type: line.type, json: JSON.stringify(line.object) };
        }
        const { value, done } = await reader.read();
        assert.ok(!done, "the watch ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

interface Case {
  name: string;
  def: [group: string, version: string, resource: string];
  path: string;
  create: Record<string, unknown>;
  /** Further writes: method, path suffix, body, headers. */
  writes: [string, string, unknown, Record<string, string>][];
}

const pod = {
  metadata: { name: "p", labels: { app: "a" } },
  spec: { containers: [{ name: "c", image: "img" }] },
};

const cases: Case[] = [
  {
    name: "configmaps",
    def: ["", "v1", "configmaps"],
    path: "/api/v1/namespaces/default/configmaps",
    create: { metadata: { name: "cm" }, data: { a: "1" } },
    writes: [
      ["PATCH", "/cm", { data: { b: "2" } }, MERGE],
      // resourceVersion first in the body: the answer still has it last, as a read.
      ["PUT", "/cm", { metadata: { resourceVersion: "RV", name: "cm" }, data: { c: "3" } }, {}],
    ],
  },
  {
    name: "pods",
    def: ["", "v1", "pods"],
    path: "/api/v1/namespaces/default/pods",
    create: pod,
    writes: [
      ["PATCH", "/p/status", { status: { phase: "Running", podIP: "10.0.0.1" } }, MERGE],
      ["PATCH", "/p", { metadata: { labels: { app: "b" } } }, MERGE],
    ],
  },
  {
    name: "core events",
    def: ["", "v1", "events"],
    path: "/api/v1/namespaces/default/events",
    create: {
      metadata: { name: "ev" },
      involvedObject: { kind: "Pod", name: "p", namespace: "default" },
      reason: "Started",
      message: "m",
      type: "Normal",
      count: 1,
    },
    writes: [["PATCH", "/ev", { count: 2, message: "again" }, MERGE]],
  },
  {
    name: "events.k8s.io events",
    def: ["events.k8s.io", "v1", "events"],
    path: "/apis/events.k8s.io/v1/namespaces/default/events",
    create: {
      metadata: { name: "ev2" },
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "k8ts.io/test",
      reportingInstance: "test-1",
      action: "Binding",
      reason: "Scheduled",
      regarding: { kind: "Pod", name: "p", namespace: "default" },
      note: "n",
      type: "Normal",
    },
    writes: [["PATCH", "/ev2", { note: "changed" }, MERGE]],
  },
  {
    name: "custom resources",
    def: ["stable.example.com", "v1", "crontabs"],
    path: "/apis/stable.example.com/v1/namespaces/default/crontabs",
    create: {
      apiVersion: "stable.example.com/v1",
      kind: "CronTab",
      metadata: { name: "ct" },
      spec: { cronSpec: "* * * * *", image: "img" },
    },
    writes: [["PATCH", "/ct", { spec: { image: "img2" } }, MERGE]],
  },
];

test("a write's answer and its watch event are the stored object, byte for byte", async () => {
  for (const c of cases) {
    const def = defOf(...c.def);
    const list = await t.call("GET", c.path);
    assert.equal(list.status, 200, `${c.name}: ${list.text}`);
    const watch = await openWatch(
      `${c.path}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
    );
    try {
      const apiVersion = c.def[0] ? `${c.def[0]}/${c.def[1]}` : c.def[1];
      const kind = def.kind;
      const made = await t.call("POST", c.path, { apiVersion, kind, ...c.create });
      assert.equal(made.status, 201, `${c.name}: ${made.text}`);
      const name = made.body.metadata.name as string;
      let stored = await storedJson(def, name);
      assert.equal(made.text, stored, `${c.name}: create answer`);
      assert.deepEqual(await watch.next(), { type: "ADDED", json: stored }, `${c.name}: ADDED`);
      let rv = made.body.metadata.resourceVersion as string;
      for (const [method, suffix, body, headers] of c.writes) {
        const sent = JSON.parse(JSON.stringify(body).replace('"RV"', JSON.stringify(rv)));
        const r = await t.call(
          method,
          `${c.path}${suffix}`,
          { apiVersion, kind, ...sent },
          headers,
        );
        assert.equal(r.status, 200, `${c.name} ${method} ${suffix}: ${r.text}`);
        stored = await storedJson(def, name);
        assert.equal(r.text, stored, `${c.name} ${method} ${suffix}: answer`);
        const event = await watch.next();
        assert.deepEqual(event, { type: "MODIFIED", json: stored }, `${c.name} ${method}: event`);
        rv = r.body.metadata.resourceVersion;
      }
    } finally {
      watch.close();
    }
  }
});

test("watched writes are not parsed again for their events: the cache takes the writer's decoding", async () => {
  const path = "/api/v1/namespaces/default/configmaps";
  const list = await t.call("GET", path);
  const watch = await openWatch(
    `${path}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
  );
  const store = t.server.context.store;
  const decode = store.decode;
  let decodes = 0;
  store.decode = (...args) => {
    decodes++;
    return decode.apply(store, args);
  };
  try {
    const made = await t.call("POST", path, { metadata: { name: "counted" }, data: { a: "1" } });
    assert.equal(made.status, 201, made.text);
    assert.equal((await watch.next()).type, "ADDED");
    const patched = await t.call("PATCH", `${path}/counted`, { data: { a: "2" } }, MERGE);
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await watch.next()).type, "MODIFIED");
    assert.equal(decodes, 0, "no decode for the write, its read-modify-write or its events");
  } finally {
    store.decode = decode;
    watch.close();
  }
});
