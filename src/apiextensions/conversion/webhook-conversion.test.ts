/**
 * Webhook conversion against a real HTTPS conversion webhook (own CA, in a
 * worker thread): the converter's batched review and error handling, then a
 * server storing v1 and serving v2 through the webhook on get, create,
 * list and watch — asynchronously (a held conversion stalls nobody else),
 * one review per list, watch events in order, upstream's errors (a failed
 * watch conversion is retried by the next watcher).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { until } from "../../controllers/testing.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import type { KObject } from "../../api/types.ts";
import { gadgetCRD, startConversionWebhook, type TestConversionWebhook } from "./testing.ts";
import { webhookConverter } from "./webhook-converter.ts";
import { validateConversion } from "./validate-conversion.ts";

let hook: TestConversionWebhook;
before(async () => {
  hook = await startConversionWebhook();
});
after(async () => {
  await hook?.close();
});

const noServices = async (): Promise<never> => {
  throw new Error("no services here");
};

const gadget = (name: string, apiVersion = "conv.example.com/v1"): KObject => ({
  apiVersion,
  kind: "Gadget",
  metadata: { name, namespace: "default", uid: `uid-of-${name}`, resourceVersion: "5" },
  spec: apiVersion.endsWith("/v1") ? { cronSpec: `${name} * * * *` } : {},
});

type Review = { request: { uid: string; desiredAPIVersion: string; objects: KObject[] } };
const reviewsSince = async (n: number) => ((await hook.reviews()) as Review[]).slice(n);

test("converter sends one v1 ConversionReview per batch and checks the answer", async () => {
  await hook.setMode("ok");
  const crd = gadgetCRD({ url: hook.url, caBundle: hook.caBundle });
  let n = 0;
  const convert = webhookConverter(crd, { resolveService: noServices, newUID: () => `u${++n}` });
  const start = (await hook.reviews()).length;
  const a = gadget("a");
  const [out] = await convert([a], "conv.example.com/v2");
  assert.deepEqual(out!.spec, { schedule: { cron: "a * * * *" } });
  assert.deepEqual(out!.metadata, a.metadata);
  // Same version: no call. A batch sends only the objects in another version, in one review.
  assert.deepEqual(await convert([a], "conv.example.com/v1"), [a]);
  const already = gadget("b", "conv.example.com/v2");
  const batch = await convert([gadget("x"), already, gadget("y")], "conv.example.com/v2", {
    list: true,
  });
  assert.deepEqual(
    batch.map((o) => [o.metadata?.name, o.apiVersion]),
    [
      ["x", "conv.example.com/v2"],
      ["b", "conv.example.com/v2"],
      ["y", "conv.example.com/v2"],
    ],
  );
  const sent = await reviewsSince(start);
  assert.deepEqual(
    sent.map((r) => [r.request.uid, r.request.desiredAPIVersion, r.request.objects.length]),
    [
      ["u1", "conv.example.com/v2", 1],
      ["u2", "conv.example.com/v2", 2],
    ],
  );
});

test("converter failures carry upstream's wording, single and list", async () => {
  const crd = gadgetCRD({ url: hook.url, caBundle: hook.caBundle });
  let n = 0;
  const convert = webhookConverter(crd, { resolveService: noServices, newUID: () => `u${++n}` });
  const prefix = "Internal error occurred: conversion webhook for conv.example.com/v1, Kind=Gadget";
  const cases: [Parameters<TestConversionWebhook["setMode"]>[0], boolean, string][] = [
    ["fail", false, `${prefix} failed: refusing to convert`],
    ["wrong-uid", false, `${prefix} failed: expected response.uid="u2", got "not-u2"`],
    ["rename", false, `${prefix} returned invalid object: must have the same name: a != a-x`],
    [
      "rename",
      true,
      `${prefix} returned invalid converted object at index 1: must have the same name: a != a-x`,
    ],
    ["drop", true, `${prefix} returned 1 objects, expected 2`],
  ];
  try {
    for (const [mode, list, message] of cases) {
      await hook.setMode(mode);
      const objs = list ? [gadget("a"), gadget("b")] : [gadget("a")];
      await assert.rejects(convert(objs, "conv.example.com/v2", { list }), {
        message,
        reason: "InternalError",
        code: 500,
      });
    }
    // A webhook that never answers fails at the timeout, named as Go names it.
    await hook.setMode("hang");
    const slow = webhookConverter(crd, { resolveService: noServices, timeoutMs: 200 });
    await assert.rejects(slow([gadget("a")], "conv.example.com/v2"), {
      message: /failed: Post "https:.*\/convert\?timeout=1s": context deadline exceeded$/,
    });
  } finally {
    await hook.release("fifo");
    await hook.setMode("ok");
  }
  // Unverifiable certificate, refused connection, unknown service.
  const untrusted = webhookConverter(gadgetCRD({ url: hook.url }), { resolveService: noServices });
  await assert.rejects(untrusted([gadget("a")], "conv.example.com/v2"), /certificate/);
  const down = webhookConverter(gadgetCRD({ url: "https://127.0.0.1:1/x" }), {
    resolveService: noServices,
  });
  await assert.rejects(down([gadget("a")], "conv.example.com/v2"), {
    message:
      /failed: Post "https:\/\/127\.0\.0\.1:1\/x\?timeout=30s": dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
  });
  const viaService = webhookConverter(
    gadgetCRD({ service: { namespace: "default", name: "gone" } }),
    { resolveService: noServices },
  );
  await assert.rejects(viaService([gadget("a")], "conv.example.com/v2"), {
    message: `${prefix} failed: no services here`,
  });
});

test("conversion settings are validated as upstream", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ conversionReviewVersions: ["v1"], clientConfig: { url: "https://a/b" } }, []],
    [
      { conversionReviewVersions: ["v2"], clientConfig: { url: "http://a/b" } },
      [
        'spec.conversion.webhook.conversionReviewVersions: Invalid value: "[]string{\\"v2\\"}": must include at least one of v1, v1beta1',
        "spec.conversion.webhook.clientConfig.url: Invalid value: \"http://a/b\": 'https' is the only allowed URL scheme",
      ],
    ],
    [
      { conversionReviewVersions: ["v1"], clientConfig: {} },
      [
        "spec.conversion.webhook.clientConfig: Required value: exactly one of url or service is required",
      ],
    ],
  ];
  for (const [webhook, want] of cases) {
    const errs = validateConversion({
      group: "g",
      scope: "Namespaced",
      names: { plural: "p", kind: "K" },
      versions: [],
      conversion: { strategy: "Webhook", webhook },
    });
    assert.deepEqual(
      errs.map((e) => `${e.field}: ${e.message}`),
      want,
    );
  }
});

const V1 = "/apis/conv.example.com/v1/namespaces/default/gadgets";
const V2 = "/apis/conv.example.com/v2/namespaces/default/gadgets";

/** A test server serving the Gadget CRD converted by the test webhook. */
async function gadgetServer(): Promise<TestServer> {
  const t = await startTestServer();
  const crd = gadgetCRD({ url: hook.url, caBundle: hook.caBundle });
  const r = await t.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  assert.equal(r.status, 201, r.text);
  await until("v2 served", async () => (await t.call("GET", V2)).status === 200);
  return t;
}

/** Reads `n` newline-delimited watch events from `path`. */
async function watchEvents(t: TestServer, path: string, n: number): Promise<KObject[]> {
  const ac = new AbortController();
  const res = await fetch(`${t.server.url}${path}`, { signal: ac.signal });
  const reader = res.body!.getReader();
  let text = "";
  try {
    while ((text.match(/\n/g) ?? []).length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
  } finally {
    ac.abort();
  }
  return text
    .trim()
    .split("\n")
    .filter((l) => l)
    .map((l) => JSON.parse(l) as KObject);
}

test("a server reads, writes, lists and watches another version through the webhook", async () => {
  await hook.setMode("ok");
  const t = await gadgetServer();
  try {
    const g1 = { apiVersion: "conv.example.com/v1", kind: "Gadget", metadata: { name: "a" } };
    let r = await t.call("POST", V1, { ...g1, spec: { cronSpec: "1 * * * *" } });
    assert.equal(r.status, 201, r.text);
    r = await t.call("GET", `${V2}/a`);
    assert.equal(r.status, 200, r.text);
    // Converted by the webhook, then defaulted with v2's schema.
    assert.deepEqual(r.body.spec, { schedule: { cron: "1 * * * *", zone: "UTC" } });
    assert.equal(r.body.apiVersion, "conv.example.com/v2");
    // Written in v2: stored as v1 through the webhook.
    r = await t.call("POST", V2, {
      apiVersion: "conv.example.com/v2",
      kind: "Gadget",
      metadata: { name: "b" },
      spec: { schedule: { cron: "2 * * * *" } },
    });
    assert.equal(r.status, 201, r.text);
    r = await t.call("GET", `${V1}/b`);
    assert.deepEqual(r.body.spec, { cronSpec: "2 * * * *" });
    // Updated in v2 without a change: one review to encode, no write.
    const b = (await t.call("GET", `${V2}/b`)).body;
    r = await t.call("PUT", `${V2}/b`, b);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.metadata.resourceVersion, b.metadata.resourceVersion);
    r = await t.call("POST", V1, {
      ...g1,
      metadata: { name: "c" },
      spec: { cronSpec: "3 * * * *" },
    });
    assert.equal(r.status, 201, r.text);
    // A list of 3 objects needs one review carrying all 3.
    const before = (await hook.reviews()).length;
    r = await t.call("GET", V2);
    assert.deepEqual(
      r.body.items.map((i: KObject & { spec: { schedule: { cron: string } } }) => [
        i.apiVersion,
        i.spec.schedule.cron,
      ]),
      [
        ["conv.example.com/v2", "1 * * * *"],
        ["conv.example.com/v2", "2 * * * *"],
        ["conv.example.com/v2", "3 * * * *"],
      ],
    );
    const sent = await reviewsSince(before);
    assert.deepEqual(
      sent.map((s) => s.request.objects.map((o) => o.metadata?.name)),
      [["a", "b", "c"]],
    );
    // Watch in v2 from the start: initial events converted, in one review too.
    const mark = (await hook.reviews()).length;
    const events = await watchEvents(t, `${V2}?watch=1&resourceVersion=0`, 3);
    assert.deepEqual(
      events.map((e) => [
        e.type,
        (e.object as { spec: { schedule: { cron: string } } }).spec.schedule.cron,
      ]),
      [
        ["ADDED", "1 * * * *"],
        ["ADDED", "2 * * * *"],
        ["ADDED", "3 * * * *"],
      ],
    );
    assert.equal((await reviewsSince(mark)).length, 1);
  } finally {
    await t.close();
  }
});

test("a held conversion stalls only the requests that need it; watch batches convert once, in order", async () => {
  await hook.setMode("ok");
  const t = await gadgetServer();
  try {
    const start = (await t.call("GET", V1)).body.metadata.resourceVersion;
    for (const name of ["a", "b", "c"]) {
      const obj = { apiVersion: "conv.example.com/v1", kind: "Gadget", metadata: { name } };
      const r = await t.call("POST", V1, { ...obj, spec: { cronSpec: `${name} * * * *` } });
      assert.equal(r.status, 201, r.text);
    }
    await hook.setMode("hold");
    const held = t.call("GET", `${V2}/a`);
    await until("the GET's review is held", async () => (await hook.pending()) === 1);
    // The server keeps answering while that conversion waits.
    const cm = await t.call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "free" },
      data: { k: "v" },
    });
    assert.equal(cm.status, 201, cm.text);
    assert.equal((await t.call("GET", "/api/v1/namespaces/default/configmaps/free")).status, 200);
    assert.equal((await t.call("GET", `${V1}/a`)).status, 200);
    await hook.release("fifo");
    const got = await held;
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.body.spec.schedule, { cron: "a * * * *", zone: "UTC" });

    // Three events replayed to two watches: one review carries them all (the
    // second watcher shares the first one's conversion), events in order.
    const before = (await hook.reviews()).length;
    const first = watchEvents(t, `${V2}?watch=1&resourceVersion=${start}`, 3);
    await until("the replay's review held", async () => (await hook.pending()) === 1);
    const second = watchEvents(t, `${V2}?watch=1&resourceVersion=${start}`, 3);
    await hook.release("reverse");
    for (const events of [await first, await second]) {
      assert.deepEqual(
        events.map((e) => [e.type, (e.object as KObject).metadata?.name]),
        [
          ["ADDED", "a"],
          ["ADDED", "b"],
          ["ADDED", "c"],
        ],
      );
    }
    assert.deepEqual(
      (await reviewsSince(before)).map((r) => r.request.objects.map((o) => o.metadata?.name)),
      [["a", "b", "c"]],
    );
  } finally {
    await hook.release("fifo");
    await hook.setMode("ok");
    await t.close();
  }
});

test("a failing webhook gives upstream's 500 on get, list, create and watch", async () => {
  await hook.setMode("ok");
  const t = await gadgetServer();
  try {
    const g = { apiVersion: "conv.example.com/v1", kind: "Gadget", metadata: { name: "a" } };
    assert.equal((await t.call("POST", V1, { ...g, spec: {} })).status, 201);
    const rv = (await t.call("GET", V1)).body.metadata.resourceVersion;
    await hook.setMode("fail");
    const failure = (apiVersion: string) =>
      `Internal error occurred: conversion webhook for conv.example.com/${apiVersion}, Kind=Gadget failed: refusing to convert`;
    const cases: [string, string, unknown, string][] = [
      ["GET", `${V2}/a`, undefined, failure("v1")],
      ["GET", V2, undefined, failure("v1")],
      [
        "POST",
        V2,
        { apiVersion: "conv.example.com/v2", kind: "Gadget", metadata: { name: "n" } },
        failure("v2"),
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await t.call(method, path, body);
      assert.equal(r.status, 500, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.reason, "InternalError");
      assert.equal(r.body.message, message);
    }
    // A watch whose event cannot be converted ends with an ERROR event.
    assert.equal(
      (await t.call("POST", V1, { ...g, metadata: { name: "b" }, spec: {} })).status,
      201,
    );
    const [event] = await watchEvents(t, `${V2}?watch=1&resourceVersion=${rv}`, 1);
    assert.equal(event!.type, "ERROR");
    assert.deepEqual(
      [(event!.object as { code: number }).code, (event!.object as { message: string }).message],
      [500, failure("v1")],
    );
    // The storage version needs no conversion.
    assert.equal((await t.call("GET", `${V1}/a`)).status, 200);
    // Once the webhook works again, a new watch converts the same event.
    await hook.setMode("ok");
    const [again] = await watchEvents(t, `${V2}?watch=1&resourceVersion=${rv}`, 1);
    assert.deepEqual(
      [
        again!.type,
        (again!.object as KObject).apiVersion,
        (again!.object as KObject).metadata?.name,
      ],
      ["ADDED", "conv.example.com/v2", "b"],
    );
  } finally {
    await hook.setMode("ok");
    await t.close();
  }
});

test("a bad object in a watch batch fails only its own event; a list still fails whole", async () => {
  await hook.setMode("ok");
  const t = await gadgetServer();
  try {
    const start = (await t.call("GET", V1)).body.metadata.resourceVersion;
    for (const name of ["good-1", "bad", "good-2"]) {
      const obj = { apiVersion: "conv.example.com/v1", kind: "Gadget", metadata: { name } };
      const r = await t.call("POST", V1, { ...obj, spec: { cronSpec: `${name} * * * *` } });
      assert.equal(r.status, 201, r.text);
    }
    await hook.setMode("fail-bad");
    const before = (await hook.reviews()).length;
    // Replayed together: one review for all three fails, then each is retried alone.
    const events = await watchEvents(t, `${V2}?watch=1&resourceVersion=${start}`, 2);
    assert.deepEqual(
      events.map((e) =>
        e.type === "ERROR" ? ["ERROR"] : [e.type, (e.object as KObject).metadata?.name],
      ),
      [["ADDED", "good-1"], ["ERROR"]],
    );
    const sent = (await reviewsSince(before)).map((r) =>
      r.request.objects.map((o) => o.metadata?.name),
    );
    assert.deepEqual(sent[0], ["good-1", "bad", "good-2"], "the batch went first");
    assert.ok(sent.slice(1).some((names) => names.length === 1 && names[0] === "good-1"));
    const badRv = (await t.call("GET", `${V1}/bad`)).body.metadata.resourceVersion;
    const after = await watchEvents(t, `${V2}?watch=1&resourceVersion=${badRv}`, 1);
    assert.deepEqual(
      after.map((e) => [e.type, (e.object as KObject).metadata?.name]),
      [["ADDED", "good-2"]],
    );
    const list = await t.call("GET", V2);
    assert.equal(list.status, 500, list.text);
  } finally {
    await hook.setMode("ok");
    await t.close();
  }
});
