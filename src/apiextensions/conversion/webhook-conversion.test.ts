/**
 * Webhook conversion against a real HTTPS conversion webhook (own CA, in a
 * worker thread): the converter's review and error handling, then a server
 * storing v1 and serving v2 through the webhook on get, create, list and
 * watch, with upstream's error text when the webhook fails.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../../apiserver/testing/test-server.ts";
import { SyncPoster } from "./sync-post.ts";
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

const noServices = () => {
  throw new Error("no services here");
};

test("converter sends a v1 ConversionReview and checks the answer", async () => {
  const poster = new SyncPoster();
  try {
    const crd = gadgetCRD({ url: hook.url, caBundle: hook.caBundle });
    let n = 0;
    const convert = webhookConverter(crd, {
      poster,
      resolveService: noServices,
      newUID: () => `uid-${++n}`,
    });
    const obj = {
      apiVersion: "conv.example.com/v1",
      kind: "Gadget",
      metadata: { name: "g", namespace: "default", uid: "u1", resourceVersion: "5" },
      spec: { cronSpec: "* * * * *" },
    };
    const out = convert(obj, "conv.example.com/v2");
    assert.deepEqual(out.spec, { schedule: { cron: "* * * * *" } });
    assert.deepEqual(out.metadata, obj.metadata);
    // Same version: no call.
    assert.deepEqual(convert(obj, "conv.example.com/v1"), obj);
    const reviews = await hook.reviews();
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0]!.apiVersion, "apiextensions.k8s.io/v1");
    assert.deepEqual(
      (reviews[0]!.request as { uid: string; desiredAPIVersion: string }).desiredAPIVersion,
      "conv.example.com/v2",
    );

    const prefix =
      "Internal error occurred: conversion webhook for conv.example.com/v1, Kind=Gadget";
    const cases: [Parameters<TestConversionWebhook["setMode"]>[0], string][] = [
      ["fail", `${prefix} failed: refusing to convert`],
      ["wrong-uid", `${prefix} failed: expected response.uid="uid-3", got "not-uid-3"`],
      ["rename", `${prefix} returned invalid object: must have the same name: g != g-x`],
    ];
    for (const [mode, message] of cases) {
      await hook.setMode(mode);
      assert.throws(() => convert(obj, "conv.example.com/v2"), {
        message,
        reason: "InternalError",
      });
    }
    // A hanging webhook times out once; within the next timeout period calls fail fast.
    await hook.setMode("hang");
    let clock = 0;
    const hanging = webhookConverter(crd, {
      poster,
      resolveService: noServices,
      timeoutMs: 200,
      now: () => clock,
    });
    const before = (await hook.reviews()).length;
    const deadline = /failed: Post "https:.*timeout=1s": context deadline exceeded$/;
    assert.throws(() => hanging(obj, "conv.example.com/v2"), { message: deadline });
    clock = 100;
    assert.throws(() => hanging(obj, "conv.example.com/v2"), { message: deadline });
    assert.equal(
      (await hook.reviews()).length,
      before + 1,
      "the second call did not reach the webhook",
    );
    await hook.setMode("ok");
    clock = 300;
    assert.deepEqual(hanging(obj, "conv.example.com/v2").spec, { schedule: { cron: "* * * * *" } });
    // Unverifiable certificate and refused connections.
    const untrusted = webhookConverter(gadgetCRD({ url: hook.url }), {
      poster,
      resolveService: noServices,
    });
    assert.throws(() => untrusted(obj, "conv.example.com/v2"), /certificate/);
    const down = webhookConverter(gadgetCRD({ url: "https://127.0.0.1:1/x" }), {
      poster,
      resolveService: noServices,
    });
    assert.throws(
      () => down(obj, "conv.example.com/v2"),
      /failed: Post "https:\/\/127\.0\.0\.1:1\/x\?timeout=10s": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
    );
  } finally {
    poster.close();
  }
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

test("a server reads, writes, lists and watches another version through the webhook", async () => {
  const t = await startTestServer();
  try {
    const crd = gadgetCRD({ url: hook.url, caBundle: hook.caBundle });
    let r = await t.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, r.text);
    const V1 = "/apis/conv.example.com/v1/namespaces/default/gadgets";
    const V2 = "/apis/conv.example.com/v2/namespaces/default/gadgets";
    for (let i = 0; (await t.call("GET", V2)).status !== 200; i++) {
      assert.ok(i < 1000, "v2 not served");
      await new Promise((res) => setTimeout(res, 5));
    }
    const g1 = { apiVersion: "conv.example.com/v1", kind: "Gadget", metadata: { name: "a" } };
    r = await t.call("POST", V1, { ...g1, spec: { cronSpec: "1 * * * *" } });
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
    r = await t.call("GET", V2);
    assert.deepEqual(
      r.body.items.map((i: { apiVersion: string; spec: { schedule: { cron: string } } }) => [
        i.apiVersion,
        i.spec.schedule.cron,
      ]),
      [
        ["conv.example.com/v2", "1 * * * *"],
        ["conv.example.com/v2", "2 * * * *"],
      ],
    );
    // Watch in v2 from the start: initial events converted.
    const ac = new AbortController();
    const res = await fetch(`${t.server.url}${V2}?watch=1&resourceVersion=0`, {
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/\n/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
    ac.abort();
    const events = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => [e.type, e.object.spec.schedule?.cron]),
      [
        ["ADDED", "1 * * * *"],
        ["ADDED", "2 * * * *"],
      ],
    );
    // A failing webhook: reads in the other version fail with upstream's message,
    // an open watch in that version ends, and the server keeps serving.
    const ac2 = new AbortController();
    const watch = await fetch(
      `${t.server.url}${V2}?watch=1&resourceVersion=${r.body.metadata.resourceVersion}`,
      {
        signal: ac2.signal,
      },
    );
    await hook.setMode("fail");
    assert.equal(
      (await t.call("POST", V1, { ...g1, metadata: { name: "c" }, spec: {} })).status,
      201,
    );
    const ended = await watch.text().then(
      (text) => text,
      () => "aborted",
    );
    ac2.abort();
    assert.doesNotMatch(ended, /"ADDED"/);
    r = await t.call("GET", `${V2}/a`);
    assert.equal(r.status, 500);
    assert.equal(
      r.body.message,
      "Internal error occurred: conversion webhook for conv.example.com/v1, Kind=Gadget failed: refusing to convert",
    );
    // The storage version needs no conversion.
    assert.equal((await t.call("GET", `${V1}/a`)).status, 200);
  } finally {
    await hook.setMode("ok");
    await t.close();
  }
});
