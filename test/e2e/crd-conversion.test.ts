/**
 * CRD Webhook conversion with the real kubectl 1.32 against a real
 * `k8ts server`: a two-version Gadget CRD (v1 stored, v2 served) converted
 * by a real HTTPS conversion webhook on 127.0.0.1 with its own CA, reached
 * by url and then through a Service with Endpoints; kubectl reads, writes,
 * lists and watches both versions; a failing webhook gives upstream's error.
 * Also strategic merge patch refused on custom resources, list items keeping kind;
 * a conversion held by the webhook stalls nothing else; a list is one review.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, startCluster, type TestCluster } from "./harness.ts";
import {
  gadgetCRD,
  startConversionWebhook,
  type TestConversionWebhook,
} from "../../src/apiextensions/conversion/testing.ts";

let cluster: TestCluster;
let hook: TestConversionWebhook;

async function applyCRD(clientConfig: Record<string, unknown>): Promise<void> {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify(gadgetCRD(clientConfig)),
  });
  await cluster.kubectlOk([
    "wait",
    "--for",
    "condition=Established",
    "--timeout=90s",
    "crd/gadgets.conv.example.com",
  ]);
}

before(async () => {
  hook = await startConversionWebhook();
  cluster = await startCluster();
  await applyCRD({ url: hook.url, caBundle: hook.caBundle });
});
after(async () => {
  await cluster?.stop();
  await hook?.close();
});

test("kubectl reads and writes both versions through the conversion webhook", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `apiVersion: conv.example.com/v1
kind: Gadget
metadata:
  name: one
spec:
  cronSpec: "1 * * * *"
`,
  });
  const v2 = await cluster.kubectlOk([
    "get",
    "gadgets.v2.conv.example.com",
    "one",
    "-o",
    "jsonpath={.apiVersion} {.spec.schedule.cron} {.spec.schedule.zone}",
  ]);
  assert.equal(v2, "conv.example.com/v2 1 * * * * UTC");
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `apiVersion: conv.example.com/v2
kind: Gadget
metadata:
  name: two
spec:
  schedule:
    cron: "2 * * * *"
`,
  });
  const v1 = await cluster.kubectlOk([
    "get",
    "gadgets.v1.conv.example.com",
    "two",
    "-o",
    "jsonpath={.apiVersion} {.spec.cronSpec}",
  ]);
  assert.equal(v1, "conv.example.com/v1 2 * * * *");
  const list = await cluster.kubectlOk([
    "get",
    "gadgets.v2.conv.example.com",
    "-o",
    'jsonpath={range .items[*]}{.metadata.name}={.spec.schedule.cron}{"\\n"}{end}',
  ]);
  assert.equal(list.trim(), "one=1 * * * *\ntwo=2 * * * *");
  const reviews = await hook.reviews();
  assert.ok(reviews.some((r) => r.apiVersion === "apiextensions.k8s.io/v1"));
});

test("kubectl watches the other version through the webhook", async () => {
  const watch = cluster.kubectlStream([
    "get",
    "gadgets.v2.conv.example.com",
    "--watch",
    "-o",
    'jsonpath={.metadata.name}:{.spec.schedule.cron}{"\\n"}',
  ]);
  try {
    await watch.waitFor(/^one:1 \* \* \* \*$/m);
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: `apiVersion: conv.example.com/v1
kind: Gadget
metadata:
  name: three
spec:
  cronSpec: "3 * * * *"
`,
    });
    await watch.waitFor(/^three:3 \* \* \* \*$/m);
  } finally {
    await watch.stop();
  }
});

test("a webhook reached through a Service; a failing webhook gives upstream's error", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `apiVersion: v1
kind: Service
metadata:
  name: gadget-converter
  namespace: default
spec:
  ports:
  - port: 443
    targetPort: ${hook.port}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: gadget-converter
  namespace: default
subsets:
- addresses:
  - ip: 127.0.0.1
  ports:
  - port: ${hook.port}
`,
  });
  await applyCRD({
    service: { namespace: "default", name: "gadget-converter", path: "/convert" },
    caBundle: hook.caBundle,
  });
  const before = (await hook.reviews()).length;
  // The API server may still convert with the CRD's previous strategy for a moment.
  const out = await eventually(
    "a GET converted by the webhook reached through its service",
    async () => {
      const got = await cluster.kubectlOk([
        "get",
        "gadgets.v2.conv.example.com",
        "one",
        "-o",
        "jsonpath={.spec.schedule.cron}",
      ]);
      return (await hook.reviews()).length > before ? got : undefined;
    },
  );
  assert.equal(out, "1 * * * *");

  await hook.setMode("fail");
  try {
    const failed = await cluster.kubectl(["get", "gadgets.v2.conv.example.com", "one"]);
    assert.notEqual(failed.code, 0);
    assert.match(
      failed.stderr,
      /Error from server \(InternalError\): Internal error occurred: conversion webhook for conv\.example\.com\/v1, Kind=Gadget failed: refusing to convert/,
    );
    // The storage version is still readable.
    await cluster.kubectlOk(["get", "gadgets.v1.conv.example.com", "one"]);
  } finally {
    await hook.setMode("ok");
  }
});

test("kubectl patch on a custom resource: strategic refused as upstream, merge works; list items keep kind", async () => {
  const smp = await cluster.kubectl([
    "patch",
    "gadgets.v1.conv.example.com",
    "one",
    "-p",
    '{"spec":{"cronSpec":"5 * * * *"}}',
  ]);
  assert.notEqual(smp.code, 0);
  assert.match(
    smp.stderr,
    /application\/strategic-merge-patch\+json is not supported by conv\.example\.com\/v1, Kind=Gadget: the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
  );
  await cluster.kubectlOk([
    "patch",
    "gadgets.v1.conv.example.com",
    "one",
    "--type=merge",
    "-p",
    '{"spec":{"cronSpec":"5 * * * *"}}',
  ]);
  const list = JSON.parse(
    (await cluster.request("GET", "/apis/conv.example.com/v1/namespaces/default/gadgets")).body,
  );
  assert.ok(list.items.length > 0);
  for (const item of list.items) {
    assert.equal(item.apiVersion, "conv.example.com/v1");
    assert.equal(item.kind, "Gadget");
  }
});

test("kubectl keeps working while a conversion waits on the webhook; a list is one review", async () => {
  await hook.setMode("hold");
  try {
    const held = cluster.kubectl([
      "get",
      "gadgets.v2.conv.example.com",
      "one",
      "-o",
      "jsonpath={.spec.schedule.cron}",
    ]);
    await eventually("the GET's conversion to be held", async () => (await hook.pending()) > 0);
    // The API server answers other requests meanwhile (a blocking conversion froze it).
    await cluster.kubectlOk(["get", "configmaps", "-A"]);
    await cluster.kubectlOk(["get", "gadgets.v1.conv.example.com", "one"]);
    await hook.setMode("ok");
    await hook.release("fifo");
    const got = await held;
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, "5 * * * *", got.stderr);
  } finally {
    await hook.setMode("ok");
    await hook.release("fifo");
  }
  const before = (await hook.reviews()).length;
  const names = await cluster.kubectlOk(["get", "gadgets.v2.conv.example.com", "-o", "name"]);
  const items = names.split("\n").filter((l) => l);
  assert.ok(items.length >= 3, names);
  type Review = { request: { desiredAPIVersion: string; objects: unknown[] } };
  const toV2 = ((await hook.reviews()) as Review[])
    .slice(before)
    .filter((r) => r.request.desiredAPIVersion === "conv.example.com/v2");
  // Controllers' metadata informers may list the preferred version (v2) at any
  // time too; every list-sized review carries all objects, none goes per object.
  assert.ok(toV2.length > 0, "the list needed a review");
  assert.deepEqual(
    toV2.map((r) => r.request.objects.length),
    toV2.map(() => items.length),
    JSON.stringify(toV2),
  );
});
