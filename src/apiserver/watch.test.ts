import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 60_000 });
});
after(async () => {
  await t.close();
});

interface Event {
  type: string;
  object: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Opens a watch and yields parsed events line by line. */
async function openWatch(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(t.server.url + path, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    res,
    /** The next event, or null when the stream ended. */
    async next(): Promise<Event | null> {
      for (;;) {
        const nl = buffer.indexOf("\n");
        if (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          return JSON.parse(line) as Event;
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close() {
      controller.abort();
    },
  };
}

const cm = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data: { k: "v" },
});
const base = "/api/v1/namespaces/default/configmaps";

test("watch from a list's resourceVersion sees every change in order", async () => {
  const list = await t.call("GET", base);
  const w = await openWatch(
    `${base}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
  );
  await t.call("POST", base, cm("w1"));
  await t.call(
    "PATCH",
    `${base}/w1`,
    { data: { k: "2" } },
    { "Content-Type": "application/merge-patch+json" },
  );
  await t.call("DELETE", `${base}/w1`);
  const types: string[] = [];
  let lastRv = 0;
  for (let i = 0; i < 3; i++) {
    const e = (await w.next())!;
    types.push(e.type);
    assert.equal(e.object.metadata.name, "w1");
    const rv = Number(e.object.metadata.resourceVersion);
    assert.ok(rv > lastRv);
    lastRv = rv;
  }
  assert.deepEqual(types, ["ADDED", "MODIFIED", "DELETED"]);
  w.close();
});

test("watch without resourceVersion starts with the current state", async () => {
  await t.call("POST", "/api/v1/namespaces/kube-public/configmaps", cm("init1"));
  const w = await openWatch("/api/v1/namespaces/kube-public/configmaps?watch=true");
  const e = (await w.next())!;
  assert.equal(e.type, "ADDED");
  assert.equal(e.object.metadata.name, "init1");
  w.close();
});

test("sendInitialEvents ends the initial state with an annotated bookmark", async () => {
  const w = await openWatch(
    "/api/v1/namespaces/kube-public/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=&allowWatchBookmarks=true",
  );
  const first = (await w.next())!;
  assert.equal(first.type, "ADDED");
  const bookmark = (await w.next())!;
  assert.equal(bookmark.type, "BOOKMARK");
  assert.equal(bookmark.object.metadata.annotations["k8s.io/initial-events-end"], "true");
  assert.equal(bookmark.object.kind, "ConfigMap");
  w.close();
});

test("selectors turn label changes into ADDED and DELETED", async () => {
  const list = await t.call("GET", base);
  const w = await openWatch(
    `${base}?watch=true&labelSelector=app%3Dx&resourceVersion=${list.body.metadata.resourceVersion}`,
  );
  await t.call("POST", base, cm("sel"));
  await t.call(
    "PATCH",
    `${base}/sel`,
    { metadata: { labels: { app: "x" } } },
    { "Content-Type": "application/merge-patch+json" },
  );
  await t.call(
    "PATCH",
    `${base}/sel`,
    { metadata: { labels: { app: null } } },
    { "Content-Type": "application/merge-patch+json" },
  );
  assert.equal((await w.next())!.type, "ADDED");
  assert.equal((await w.next())!.type, "DELETED");
  w.close();
});

test("timeoutSeconds ends the watch (with a final bookmark when allowed)", async () => {
  const list = await t.call("GET", base);
  const w = await openWatch(
    `${base}?watch=true&timeoutSeconds=5&allowWatchBookmarks=true&resourceVersion=${list.body.metadata.resourceVersion}`,
  );
  // The handler registers its timers once the stream is open; move the fake clock past the timeout.
  t.clock.advance(5_000);
  const e = (await w.next())!;
  assert.equal(e.type, "BOOKMARK");
  assert.equal(await w.next(), null);
});

test("a resourceVersion older than storage history is 410 Gone in the stream", async () => {
  for (let i = 0; i < 3; i++)
    await t.call("POST", "/api/v1/namespaces/kube-public/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `s${i}` },
    });
  const current = await t.backend.currentRevision();
  await t.backend.compact(current);
  const w = await openWatch("/api/v1/namespaces/kube-public/secrets?watch=true&resourceVersion=2");
  const e = (await w.next())!;
  assert.equal(e.type, "ERROR");
  assert.equal(e.object.code, 410);
  assert.equal(e.object.reason, "Gone");
  assert.match(e.object.message, /too old resource version/);
  w.close();
});

test("watches accept Table output", async () => {
  const list = await t.call("GET", base);
  const w = await openWatch(
    `${base}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
    {
      Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    },
  );
  await t.call("POST", base, cm("tab"));
  const e = (await w.next())!;
  assert.equal(e.object.kind, "Table");
  assert.equal(e.object.rows.length, 1);
  assert.equal(e.object.rows[0].cells[0], "tab");
  w.close();
});

test("a spec.nodeName watch sees pods arriving on, leaving and deleted from its node", async () => {
  const pods = "/api/v1/namespaces/default/pods";
  const pod = (name: string, nodeName?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] },
  });
  const list = await t.call("GET", "/api/v1/pods");
  const rv = list.body.metadata.resourceVersion;
  const w = await openWatch(
    `/api/v1/pods?watch=true&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dn1`,
  );
  const other = await openWatch(
    `/api/v1/pods?watch=true&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dn2`,
  );
  try {
    assert.equal((await t.call("POST", pods, pod("on-n2", "n2"))).status, 201);
    assert.equal((await t.call("POST", pods, pod("later"))).status, 201);
    assert.equal((await t.call("POST", pods, pod("on-n1", "n1"))).status, 201);
    const bind = await t.call("POST", `${pods}/later/binding`, {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: "later" },
      target: { kind: "Node", name: "n1" },
    });
    assert.equal(bind.status, 201);
    assert.equal((await t.call("DELETE", `${pods}/on-n1?gracePeriodSeconds=0`)).status, 200);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = (await w.next())!;
      seen.push(`${e.type} ${e.object.metadata.name}`);
    }
    assert.deepEqual(seen, ["ADDED on-n1", "ADDED later", "DELETED on-n1"]);
    const e = (await other.next())!;
    assert.equal(`${e.type} ${e.object.metadata.name}`, "ADDED on-n2");
  } finally {
    w.close();
    other.close();
  }
});

/** A full garbage collection, without --expose-gc on the command line (a fresh context's gc). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

test("a watch does not keep the batches of events it has sent", async () => {
  // 8eacfab's leak: each wait raced the batch with one promise per wake-up,
  // and every race's result (the batch) stayed reachable from that promise
  // until the next wake-up (a bookmark tick or the timeout: here never).
  const cache = t.server.context.watchCaches.forPrefix("/registry/configmaps/");
  const sent: WeakRef<object>[] = [];
  const subscribe = cache.subscribe;
  cache.subscribe = (...args) => {
    const sub = subscribe.apply(cache, args);
    return {
      next: () =>
        sub.next().then((batch) => {
          if (batch) sent.push(new WeakRef(batch));
          return batch;
        }),
      get error() {
        return sub.error;
      },
      close: () => sub.close(),
    };
  };
  const list = await t.call("GET", base);
  let w: Awaited<ReturnType<typeof openWatch>>;
  try {
    w = await openWatch(`${base}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
  } finally {
    cache.subscribe = subscribe;
  }
  const batches = 40;
  try {
    for (let i = 0; i < batches; i++) {
      assert.equal((await t.call("POST", base, cm(`kept-${i}`))).status, 201);
      // Read back before the next write: one event per batch, each one sent.
      assert.equal((await w.next())!.object.metadata.name, `kept-${i}`);
    }
    assert.equal(sent.length, batches);
    // A WeakRef's target lives at least until the task that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    const kept = sent.filter((ref) => ref.deref() !== undefined).length;
    // The batch being handled may still be on the handler's stack; none before it.
    assert.ok(kept <= 1, `${kept} of ${batches} sent batches still reachable`);
  } finally {
    w.close();
  }
});
