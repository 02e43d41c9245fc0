/**
 * Admission webhooks matching a custom resource's other version (matchPolicy
 * Equivalent) see the object converted by the CRD's conversion webhook, and
 * their patch is converted back before it is stored — asynchronously, as
 * every conversion.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { until } from "../../controllers/testing.ts";
import { defaultPipeline } from "../../apiserver/pipeline.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { extensibilityAdmission } from "../../apiserver/admission/webhook/extensibility.ts";
import {
  patchResponse,
  startWebhookServer,
  type TestWebhookServer,
} from "../../apiserver/admission/webhook/testing.ts";
import { gadgetCRD, startConversionWebhook, type TestConversionWebhook } from "./testing.ts";

type Rec = Record<string, unknown>;

let api: TestServer;
let converter: TestConversionWebhook;
let admission: TestWebhookServer;

before(async () => {
  converter = await startConversionWebhook();
  admission = await startWebhookServer(() =>
    patchResponse([
      { op: "replace", path: "/spec/cronSpec", value: "9 * * * *" },
      { op: "add", path: "/metadata/labels", value: { seen: "v1" } },
    ]),
  );
  const ext = extensibilityAdmission();
  const pipeline = defaultPipeline();
  pipeline.admission.push(...ext.plugins);
  api = await startTestServer({ pipeline, bootstrap: false });
  ext.bind(api.server.context);
  const ns = await api.call("POST", "/api/v1/namespaces", { metadata: { name: "default" } });
  assert.equal(ns.status, 201, ns.text);
});

after(async () => {
  await api?.close();
  await admission?.close();
  await converter?.close();
});

test("a v1 webhook sees a v2 create converted by the conversion webhook; its patch comes back", async () => {
  const crd = gadgetCRD({ url: converter.url, caBundle: converter.caBundle });
  let r = await api.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  assert.equal(r.status, 201, r.text);
  const V2 = "/apis/conv.example.com/v2/namespaces/default/gadgets";
  await until("v2 served", async () => (await api.call("GET", V2)).status === 200);
  r = await api.call(
    "POST",
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    {
      metadata: { name: "gadgets-v1" },
      webhooks: [
        {
          name: "gadgets-v1.k8ts.test",
          clientConfig: { url: `${admission.url}/v1`, caBundle: admission.caBundle },
          rules: [
            {
              operations: ["CREATE"],
              apiGroups: ["conv.example.com"],
              apiVersions: ["v1"],
              resources: ["gadgets"],
            },
          ],
          matchPolicy: "Equivalent",
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        },
      ],
    },
  );
  assert.equal(r.status, 201, r.text);
  const created = await until("the v1 webhook to patch a v2 create", async () => {
    const name = `g${admission.requests.length}-${Math.random().toString(36).slice(2, 6)}`;
    const c = await api.call("POST", V2, {
      apiVersion: "conv.example.com/v2",
      kind: "Gadget",
      metadata: { name },
      spec: { schedule: { cron: "1 * * * *" } },
    });
    assert.equal(c.status, 201, c.text);
    return c.body.metadata.labels?.seen === "v1" ? c.body : undefined;
  });
  assert.equal(created.apiVersion, "conv.example.com/v2");
  assert.deepEqual(created.spec, { schedule: { cron: "9 * * * *", zone: "UTC" } });
  const seen = admission.requests.at(-1)!.request;
  assert.deepEqual(
    [seen.kind, seen.requestKind, (seen.object as Rec).apiVersion, (seen.object as Rec).spec],
    [
      { group: "conv.example.com", version: "v1", kind: "Gadget" },
      { group: "conv.example.com", version: "v2", kind: "Gadget" },
      "conv.example.com/v1",
      { cronSpec: "1 * * * *" },
    ],
  );
});
