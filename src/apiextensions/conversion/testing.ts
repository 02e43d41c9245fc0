/**
 * A real conversion webhook for tests: HTTPS on 127.0.0.1 (port 0) with its
 * own CA, run in a worker thread (its own event loop, so a stalled server
 * thread shows as a test failure rather than a deadlock). It converts
 * "Gadget" objects between v1 (spec.cronSpec) and v2 (spec.schedule.cron);
 * `setMode` makes it fail (every review, or "fail-bad": those carrying an
 * object named "bad"), answer with a wrong uid, drop an object, change
 * an object's name, never answer ("hang") or hold reviews until `release`
 * answers them in a chosen order ("hold").
 */
import { Worker } from "node:worker_threads";
import { issueCertificate } from "../../pki/self-signed.ts";
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from "../types.ts";

export type ConversionMode =
  "ok" | "fail" | "fail-bad" | "wrong-uid" | "rename" | "drop" | "hang" | "hold";

export interface TestConversionWebhook {
  /** https://127.0.0.1:<port>/convert */
  url: string;
  port: number;
  /** The CA, base64 PEM as clientConfig.caBundle wants it. */
  caBundle: string;
  setMode(mode: ConversionMode): Promise<void>;
  /** The ConversionReview requests received so far. */
  reviews(): Promise<Record<string, unknown>[]>;
  /** How many reviews are held (mode "hold") or hanging (mode "hang"). */
  pending(): Promise<number>;
  /** Answers every held or hanging review (converting normally), newest first when `reverse`. */
  release(order: "fifo" | "reverse"): Promise<void>;
  close(): Promise<void>;
}

const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const https = require("node:https");
let mode = "ok";
const reviews = [];
const hanging = [];
function convert(obj, to) {
  const out = JSON.parse(JSON.stringify(obj));
  const spec = out.spec || {};
  if (to.endsWith("/v2") && "cronSpec" in spec) { spec.schedule = { cron: spec.cronSpec }; delete spec.cronSpec; }
  if (to.endsWith("/v1") && spec.schedule) { spec.cronSpec = spec.schedule.cron; delete spec.schedule; }
  out.apiVersion = to;
  if (mode === "rename") out.metadata.name = out.metadata.name + "-x";
  return out;
}
const server = https.createServer({ cert: workerData.cert, key: workerData.key }, (req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    reviews.push(review);
    if (mode === "hang" || mode === "hold") { hanging.push({ res, review }); return; }
    answer(res, review, mode);
  });
});
function answer(res, review, how) {
  const rq = review.request;
  const response = { uid: how === "wrong-uid" ? "not-" + rq.uid : rq.uid };
  if (how === "fail-bad" && rq.objects.some((o) => o.metadata.name === "bad")) how = "fail";
  if (how === "fail") response.result = { status: "Failure", message: "refusing to convert" };
  else {
    response.result = { status: "Success" };
    response.convertedObjects = rq.objects.map((o) => convert(o, rq.desiredAPIVersion));
    if (how === "drop") response.convertedObjects.pop();
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: "ConversionReview", response }));
}
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (m) => {
  if (m.mode) { mode = m.mode; parentPort.postMessage({ ack: true }); }
  if (m.reviews) parentPort.postMessage({ reviews });
  if (m.pending) parentPort.postMessage({ pendingCount: hanging.length });
  if (m.release) {
    const held = hanging.splice(0);
    if (m.release === "reverse") held.reverse();
    for (const h of held) answer(h.res, h.review, "ok");
    parentPort.postMessage({ released: true });
  }
  if (m.close) {
    for (const h of hanging.splice(0)) h.res.destroy();
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ closed: true }));
  }
});
`;

/** Starts the webhook worker and waits until it listens. */
export async function startConversionWebhook(): Promise<TestConversionWebhook> {
  const ca = await issueCertificate({
    commonName: "conversion-test-ca",
    usage: "ca",
  });
  const serving = await issueCertificate({
    commonName: "conversion-webhook",
    usage: "server",
    signer: ca,
    dnsNames: ["localhost", "gadget-converter.default.svc"],
    ipAddresses: ["127.0.0.1"],
  });
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { cert: serving.certPem, key: serving.keyPem },
  });
  const next = <T>(pick: (m: Record<string, unknown>) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        const v = pick(m);
        if (v === undefined) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(v);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  const port = await next((m) => m.port as number | undefined);
  return {
    url: `https://127.0.0.1:${port}/convert`,
    port,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    async setMode(mode) {
      const ack = next((m) => m.ack as boolean | undefined);
      worker.postMessage({ mode });
      await ack;
    },
    async reviews() {
      const got = next((m) => m.reviews as Record<string, unknown>[] | undefined);
      worker.postMessage({ reviews: true });
      return got;
    },
    async pending() {
      const got = next((m) => m.pendingCount as number | undefined);
      worker.postMessage({ pending: true });
      return got;
    },
    async release(order) {
      const done = next((m) => m.released as boolean | undefined);
      worker.postMessage({ release: order });
      await done;
    },
    async close() {
      const closed = next((m) => m.closed as boolean | undefined);
      worker.postMessage({ close: true });
      await closed;
      await worker.terminate();
    },
  };
}

/** A two-version Gadget CRD (v1 stored, v2 served) converted by `clientConfig`. */
export function gadgetCRD(clientConfig: Record<string, unknown>): CustomResourceDefinition {
  const version = (
    name: string,
    storage: boolean,
    spec: Record<string, JSONSchemaProps>,
  ): CustomResourceDefinitionVersion => ({
    name,
    served: true,
    storage,
    schema: {
      openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", properties: spec } },
      },
    },
  });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "gadgets.conv.example.com" },
    spec: {
      group: "conv.example.com",
      scope: "Namespaced",
      names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
      versions: [
        version("v1", true, { cronSpec: { type: "string" } }),
        version("v2", false, {
          schedule: {
            type: "object",
            properties: {
              cron: { type: "string" },
              zone: { type: "string", default: "UTC" },
            },
          },
        }),
      ],
      conversion: {
        strategy: "Webhook",
        webhook: { conversionReviewVersions: ["v1"], clientConfig },
      },
    },
  };
}
